//! The embedded sample repository: its script and files are compiled in, and
//! [`create`] writes the same repository, with the same commit ids, on every run.

use std::path::Path;

use crate::git::{self, Writer};
use crate::history::CommitId;

use crate::embedded;

#[path = "../../sample-repo/script.rs"]
mod script;
pub mod services;

/// Marks a repository as one `valuestory demo` made, inside its git folder.
pub const MARKER: &str = "valuestory-sample";

/// Writes the sample repository into `dir` (which must not exist or be empty),
/// checks out `main`, and returns the commit it ends at.
pub fn create(dir: &Path) -> git::Result<CommitId> {
    let writer = Writer::init(dir, false)?;
    let embedded = script::Embedded {
        files: embedded::SAMPLE_FILES,
        earlier: embedded::SAMPLE_EARLIER,
    };
    let head = script::play(writer, &embedded)?;
    let writer = Writer::open(dir)?;
    writer.checkout_head()?;
    Ok(head)
}
