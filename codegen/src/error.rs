//! The one error type of the code generator: what went wrong, and where (file, node,
//! op, tensor), so every refusal reads the same way on the command line.

use std::fmt;

use crate::escape;
use std::path::{Path, PathBuf};

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A refusal or failure, with as much location as is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The file being read (model, external data or npz).
    pub file: Option<PathBuf>,
    /// ONNX node name.
    pub node: Option<String>,
    /// ONNX op type.
    pub op: Option<String>,
    /// Tensor (initializer, input, output) name.
    pub tensor: Option<String>,
    /// What is wrong, and where useful what is supported.
    pub message: String,
}

impl Error {
    /// An error with only a message; add context with the builder methods.
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            file: None,
            node: None,
            op: None,
            tensor: None,
            message: message.into(),
        }
    }

    /// Sets the file unless already set.
    pub fn in_file(mut self, file: &Path) -> Self {
        self.file.get_or_insert_with(|| file.to_path_buf());
        self
    }

    /// Sets node name and op type unless already set.
    pub fn at_node(mut self, node: &str, op: &str) -> Self {
        if self.node.is_none() {
            self.node = Some(node.to_string());
            self.op = Some(op.to_string());
        }
        self
    }

    /// Sets the tensor unless already set.
    pub fn on_tensor(mut self, tensor: &str) -> Self {
        self.tensor.get_or_insert_with(|| tensor.to_string());
        self
    }
}

/// One line, whatever the model's names hold: the file, node, op and tensor through
/// [`escape::text`] (long names shortened with a hash), the message through
/// [`escape::line`], so a name with a newline or a terminal escape sequence can
/// neither split the line nor forge or colour one.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", escape::line(&file.display().to_string()))?;
        }
        let (node, op) = (
            self.node.as_deref().map(escape::text),
            self.op.as_deref().map(escape::text),
        );
        match (node, op) {
            (Some(n), Some(o)) => write!(f, "node '{n}' ({o}): ")?,
            (Some(n), None) => write!(f, "node '{n}': ")?,
            (None, Some(o)) => write!(f, "{o}: ")?,
            (None, None) => {}
        }
        if let Some(t) = &self.tensor {
            write!(f, "tensor '{}': ", escape::text(t))?;
        }
        f.write_str(&escape::line(&self.message))
    }
}

impl std::error::Error for Error {}

/// Shorthand: `Err(Error::new(format!(...)))`.
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => { return Err($crate::error::Error::new(format!($($arg)*))) };
}
