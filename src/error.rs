//! The error a user sees: typed where a caller may react, printed once as a chain.

use std::path::PathBuf;

/// A serde_json message without the " at line L column C" it ends with, for
/// messages that give the location on their own.
pub fn without_json_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |at| &message[..at])
}

/// A problem at a place in a file the user wrote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, schemars::JsonSchema)]
#[error("{path}:{line}:{column}: {message}")]
pub struct Located {
    /// The path as the user knows it, relative to the repository where it lives there.
    pub path: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Git(#[from] crate::git::Error),
    #[error(transparent)]
    Located(#[from] Located),
    #[error("{action} {}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Problems in the user's files, every one of them.
    #[error("{}", invalid_message(.0))]
    Invalid(Vec<Located>),
    /// A file or folder of the repository that valuestory will not read, by path.
    #[error("{path}: {message}")]
    Path { path: String, message: String },
    /// Something valuestory will not do, such as writing over a user's files.
    #[error("{0}")]
    Refused(String),
}

impl Error {
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

fn invalid_message(problems: &[Located]) -> String {
    let mut out = format!(
        "{} problem{} in the configuration or the value folder (`valuestory check` shows each in context):",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        out.push_str("\n  ");
        out.push_str(&p.to_string());
    }
    out
}
