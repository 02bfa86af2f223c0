//! The error a user sees: typed where a caller may react, printed once as a chain.

use std::path::PathBuf;

/// A problem at a place in a file the user wrote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
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
