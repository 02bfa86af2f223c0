//! valuestory turns a git repository into a static website that tells the story of
//! the value its team delivers. A build is the [`pipeline`]: read config, read the
//! value folder, read history, compute changes, correlate releases, check
//! references, map stream history, compute metrics, tell the story, build the
//! report; then [`render`] and [`site`] write the pages. [`cmd`] holds one file per
//! verb, each a short function over the pipeline; the layers the modules sit in are
//! a test (`tests/it/layers.rs`).

pub mod browser;
pub mod changes;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod content;
pub mod csv;
pub mod demo;
/// Files compiled into the binary: the sample repository, templates and themes.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
pub mod error;
pub mod forge;
pub mod git;
pub mod history;
pub mod memory;
pub mod message;
pub mod metric;
pub mod metrics;
pub mod pipeline;
pub mod portfolio;
pub mod pull_requests;
pub mod releases;
pub mod render;
pub mod report;
pub mod sealed;
pub mod site;
pub mod source;
pub mod stats;
pub mod story;
#[cfg(test)]
mod testing;
pub mod time;
