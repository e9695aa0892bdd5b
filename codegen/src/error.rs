//! The one error type of the code generator: what went wrong, and where (file, node,
//! op, tensor), so every refusal reads the same way on the command line.

use std::fmt;

use crate::escape;
use std::path::Path;

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A refusal or failure, with as much location as is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The file being read (model, external data or npz); boxed, like `more`, to keep
    /// `Result`s small.
    pub file: Option<Box<Path>>,
    /// ONNX node name.
    pub node: Option<String>,
    /// ONNX op type.
    pub op: Option<String>,
    /// Tensor (initializer, input, output) name.
    pub tensor: Option<String>,
    /// What is wrong, and where useful what is supported.
    pub message: String,
    /// Further problems found in the same pass (other unsupported nodes), each shown
    /// on a line of its own after this one (boxed: errors travel in every `Result`).
    pub more: Option<Box<Vec<Error>>>,
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
            more: None,
        }
    }

    /// One error for several problems: grouped by op type, in the order first seen
    /// (the first of each group keeps its message and says which other nodes of that
    /// op have a problem too), at most [`MAX_GROUPS`] groups. `None` if `problems` is
    /// empty.
    pub fn grouped(problems: Vec<Error>) -> Option<Error> {
        let mut groups: Vec<(Error, Vec<String>)> = Vec::new();
        for e in problems {
            let same = groups
                .iter_mut()
                .find(|(g, _)| e.op.is_some() && g.op == e.op);
            match same {
                Some((_, others)) => others.push(e.node.clone().unwrap_or_default()),
                None => groups.push((e, Vec::new())),
            }
        }
        let dropped = groups.len().saturating_sub(MAX_GROUPS);
        let mut errors: Vec<Error> = groups
            .into_iter()
            .take(MAX_GROUPS)
            .map(|(mut e, others)| {
                if !others.is_empty() {
                    let shown: Vec<String> = others
                        .iter()
                        .take(3)
                        .map(|n| format!("'{}'", escape::text(n)))
                        .collect();
                    let rest = others.len().saturating_sub(3);
                    let tail = if rest > 0 {
                        format!(" and {rest} more")
                    } else {
                        String::new()
                    };
                    e.message = format!(
                        "{} (the same for {} more {} node(s): {}{tail})",
                        e.message,
                        others.len(),
                        e.op.as_deref().unwrap_or(""),
                        shown.join(", ")
                    );
                }
                e
            })
            .collect();
        if dropped > 0 {
            errors.push(Error::new(format!("and {dropped} more kinds of problem")));
        }
        let mut errors = errors.into_iter();
        let mut first = errors.next()?;
        let more: Vec<Error> = errors.collect();
        first.more = (!more.is_empty()).then(|| Box::new(more));
        Some(first)
    }

    /// Sets the file unless already set (on the further problems too).
    pub fn in_file(mut self, file: &Path) -> Self {
        self.file.get_or_insert_with(|| file.into());
        if let Some(more) = self.more.take() {
            self.more = Some(Box::new(
                more.into_iter().map(|e| e.in_file(file)).collect(),
            ));
        }
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
        f.write_str(&escape::line(&self.message))?;
        // Each further problem on its own line, led by `error: ` as the CLI leads the
        // first.
        for m in self.more.iter().flat_map(|m| m.iter()) {
            write!(f, "\nerror: {m}")?;
        }
        Ok(())
    }
}

/// The most problem groups one error lists.
pub const MAX_GROUPS: usize = 12;

impl std::error::Error for Error {}

/// Shorthand: `Err(Error::new(format!(...)))`.
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => { return Err($crate::error::Error::new(format!($($arg)*))) };
}
