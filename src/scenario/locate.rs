//! Points errors at their place in the scenario file: the line of a field path, and
//! the field path at a byte offset (for errors the TOML parser reports by position).
//! Uses `toml_edit`'s spans, so the file is re-read only when an error is reported.
//!
//! A path shows an element by its `id` only when the id is a valid name (so an id
//! holding a newline or an escape sequence never reaches a message; the element is
//! shown by its index instead), and shows keys with control characters escaped.

use std::fmt;

use toml_edit::{ImDocument, Item, Value};

use super::fields::is_name;
use super::printable::printable;

/// One step of a field path: a table key, or an element of an array of tables
/// (shown by its `id` when it has one).
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// A key.
    Key(String),
    /// An array element: index, and its id if known.
    Index(usize, Option<String>),
}

/// A field path such as `fabs.tsmc_f18.wafer_starts_per_week`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    /// A top-level key.
    pub fn root(key: &str) -> Self {
        FieldPath(vec![Segment::Key(key.into())])
    }

    /// This path, then `key`.
    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.into()));
        FieldPath(segments)
    }

    /// This path, then element `index` with id `id` (shown by its index when the id is
    /// not a valid name).
    pub fn item(&self, index: usize, id: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index, is_name(id).then(|| id.into())));
        FieldPath(segments)
    }

    /// This path, then element `index` (no id).
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index, None));
        FieldPath(segments)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if position == 0 => write!(f, "{}", printable(key))?,
                Segment::Key(key) => write!(f, ".{}", printable(key))?,
                Segment::Index(_, Some(id)) => write!(f, ".{id}")?,
                Segment::Index(index, None) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// 1-based line of byte `offset` in `text`.
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[derive(Clone, Copy)]
enum Node<'a> {
    Table(&'a toml_edit::Table),
    Item(&'a Item),
    Value(&'a Value),
}

impl<'a> Node<'a> {
    fn span(self) -> Option<std::ops::Range<usize>> {
        match self {
            Node::Table(table) => table.span(),
            Node::Item(Item::Value(value)) | Node::Value(value) => value.span(),
            Node::Item(Item::Table(table)) => table.span(),
            Node::Item(Item::ArrayOfTables(array)) => array.span(),
            Node::Item(Item::None) => None,
        }
    }

    /// The child at `segment`, with the span of its key where there is one.
    fn child(self, segment: &Segment) -> Option<(Node<'a>, Option<std::ops::Range<usize>>)> {
        match (self, segment) {
            (Node::Table(table) | Node::Item(Item::Table(table)), Segment::Key(key)) => {
                let key_span = table.key(key).and_then(|k| k.span());
                table.get(key).map(|item| (Node::Item(item), key_span))
            }
            (Node::Item(Item::ArrayOfTables(array)), Segment::Index(index, _)) => array
                .get(*index)
                .map(|table| (Node::Table(table), table.span())),
            (Node::Item(Item::Value(value)) | Node::Value(value), _) => match (value, segment) {
                (Value::InlineTable(table), Segment::Key(key)) => {
                    let key_span = table.key(key).and_then(|k| k.span());
                    table.get(key).map(|value| (Node::Value(value), key_span))
                }
                (Value::Array(array), Segment::Index(index, _)) => array
                    .get(*index)
                    .map(|value| (Node::Value(value), value.span())),
                _ => None,
            },
            _ => None,
        }
    }

    /// Children with the segment that leads to each, and the span of its key where
    /// there is one.
    fn children(self) -> Vec<(Segment, Node<'a>, Option<std::ops::Range<usize>>)> {
        let keyed = |key: &str| Segment::Key(key.to_string());
        match self {
            Node::Table(table) | Node::Item(Item::Table(table)) => table
                .iter()
                .map(|(k, item)| {
                    let key_span = table.key(k).and_then(|key| key.span());
                    (keyed(k), Node::Item(item), key_span)
                })
                .collect(),
            Node::Item(Item::ArrayOfTables(array)) => array
                .iter()
                .enumerate()
                .map(|(i, table)| (Segment::Index(i, id_of(table)), Node::Table(table), None))
                .collect(),
            Node::Item(Item::Value(value)) | Node::Value(value) => match value {
                Value::InlineTable(table) => table
                    .iter()
                    .map(|(k, v)| {
                        let key_span = table.key(k).and_then(|key| key.span());
                        (keyed(k), Node::Value(v), key_span)
                    })
                    .collect(),
                Value::Array(array) => array
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (Segment::Index(i, None), Node::Value(v), None))
                    .collect(),
                _ => Vec::new(),
            },
            Node::Item(Item::None) => Vec::new(),
        }
    }
}

fn id_of(table: &toml_edit::Table) -> Option<String> {
    table
        .get("id")
        .and_then(|item| item.as_str())
        .filter(|id| is_name(id))
        .map(str::to_string)
}

/// The parsed file, kept for locating errors.
#[derive(Debug)]
pub struct SourceMap<'t> {
    text: &'t str,
    document: Option<ImDocument<&'t str>>,
}

impl<'t> SourceMap<'t> {
    /// Parses `text` for spans (a file that does not parse has none).
    pub fn new(text: &'t str) -> Self {
        SourceMap {
            text,
            document: ImDocument::parse(text).ok(),
        }
    }

    /// The line where `path` is written, or the nearest enclosing table's line.
    pub fn line_of(&self, path: &FieldPath) -> Option<usize> {
        let document = self.document.as_ref()?;
        let mut node = Node::Table(document.as_table());
        let mut best = None;
        for segment in &path.0 {
            let Some((child, key_span)) = node.child(segment) else {
                break;
            };
            best = key_span.or_else(|| child.span()).or(best);
            node = child;
        }
        best.map(|span| line_of_offset(self.text, span.start))
    }

    /// The deepest field whose value spans byte `offset`.
    pub fn path_at(&self, offset: usize) -> Option<FieldPath> {
        self.descend(offset, false)
    }

    /// The deepest field whose value or key spans byte `offset`: for an error at a key
    /// (an unknown field), that key's field rather than its table.
    pub fn field_at(&self, offset: usize) -> Option<FieldPath> {
        self.descend(offset, true)
    }

    fn descend(&self, offset: usize, keys: bool) -> Option<FieldPath> {
        let document = self.document.as_ref()?;
        let mut node = Node::Table(document.as_table());
        let mut path = FieldPath::default();
        'descend: loop {
            for (segment, child, key_span) in node.children() {
                let spans = |span: Option<std::ops::Range<usize>>| {
                    span.is_some_and(|span| span.contains(&offset))
                };
                if spans(child.span()) || (keys && spans(key_span)) {
                    path.0.push(segment);
                    node = child;
                    continue 'descend;
                }
            }
            return (!path.0.is_empty()).then_some(path);
        }
    }
}
