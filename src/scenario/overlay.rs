//! Change files: a scenario written as its changes to another. A file with `base =
//! "../baseline.toml"` holds only what it changes; [`resolve`] reads its chain of bases
//! (a base may have a base; paths are relative to the file naming them; a loop is an
//! error) and applies each file's changes to the scenario its base resolves to, in
//! this order:
//!
//! 1. `remove = ["projects.dublin_ai_hall", "power.pue"]`: each path is taken out
//!    (an entry by its id, a field back to its default, a whole list).
//! 2. Every other key: a top-level table (`[power]`) merges key by key into the base's;
//!    an entry of a list of tables (`[[shocks]]`) whose `id` matches an entry of the
//!    base's list replaces that entry whole, in its place, and any other entry is added
//!    after the base's entries, or before them for a list named in `prepend = [...]`;
//!    any other value replaces the base's.
//! 3. `[set]`: `"path" = value` writes one value by path, in the path syntax of sweeps
//!    ([`super::path`]): ids name entries, `*` matches every key or entry at its level,
//!    and a last key the base does not write adds that field.
//! 4. `[scale]`: `"path" = factor` multiplies the numbers at the path (a distribution as
//!    a random quantity), as a sweep's `scale` does.
//!
//! Alongside the resolved table, [`Resolved`] keeps where each part of it was written
//! (which file, which path in it), so that an error found in the resolved scenario names
//! the file, line and field that wrote the value at fault, in a change file or a base.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use toml::{Table, Value};

use super::canonical::{all_tables, is_tables};
use super::locate::{FieldPath, Segment, SourceMap};
use super::path::{self, Place, Step};
use super::printable::printable;
use super::{read_text, ScenarioError};

/// A top-level key of a change file that says how to change its base, rather than being
/// a field of the scenario. [`super::reference`] lists them and [`super::schema`] admits
/// them.
#[derive(Debug, Clone, Copy)]
pub struct Directive {
    /// The key.
    pub key: &'static str,
    /// What it takes.
    pub takes: Takes,
    /// An example, as written in a file.
    pub example: &'static str,
    /// What it does.
    pub meaning: &'static str,
}

/// What a directive takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Takes {
    /// A file name.
    File,
    /// A list of paths (or of list names).
    Paths,
    /// A table of `"path" = value`.
    Values,
    /// A table of `"path" = factor`.
    Factors,
}

/// The directives, in the order they are applied (`base` first: it is read before
/// anything else).
pub const DIRECTIVES: &[Directive] = &[
    Directive {
        key: "base",
        takes: Takes::File,
        example: "base = \"../baseline.toml\"",
        meaning: "The scenario this file changes, relative to this file. The base may be a \
                  change file itself; a chain of bases that loops is an error.",
    },
    Directive {
        key: "remove",
        takes: Takes::Paths,
        example: "remove = [\"projects.dublin_ai_hall\", \"power.pue\"]",
        meaning: "Paths taken out of the base, first: an entry by its id, a field (which \
                  then takes its default) or a whole list (which the file's own entries \
                  may then replace).",
    },
    Directive {
        key: "prepend",
        takes: Takes::Paths,
        example: "prepend = [\"packaging\"]",
        meaning: "Lists whose entries added by this file go before the base's entries rather \
                  than after them; order matters where the model takes entries in file \
                  order (the allocator takes packaging sites in file order).",
    },
    Directive {
        key: "set",
        takes: Takes::Values,
        example: "[set]<br>\"packaging.tsmc_cowos_taiwan.accelerators_per_week\" = 100000",
        meaning: "Values written by path, after the file's tables and entries are merged. \
                  Quote each path; `*` sets every match; a last key the base does not \
                  write adds that field.",
    },
    Directive {
        key: "scale",
        takes: Takes::Factors,
        example: "[scale]<br>\"grid_regions.*.capacity_added_mw_per_year\" = 0.5",
        meaning: "Numbers multiplied by path, last: whole numbers stay whole when the \
                  product is whole, and a distribution is multiplied as a random quantity \
                  (a beta or Poisson cannot be).",
    },
];

/// The directives that only a change file may hold.
const CHANGES: [&str; 4] = ["remove", "prepend", "set", "scale"];

/// One file of a chain of bases: its name and text, for messages.
#[derive(Debug, Clone)]
struct Layer {
    file: String,
    text: String,
}

impl Layer {
    /// `message` about `field` of this file, at its line.
    fn invalid(&self, field: &FieldPath, message: &str) -> ScenarioError {
        ScenarioError::invalid(&self.text, &self.file, field, message)
    }
}

/// Where a part of the resolved scenario was written: a file of the chain, and the path
/// in that file.
#[derive(Debug, Clone, PartialEq)]
struct Origin {
    layer: usize,
    path: FieldPath,
}

/// Where each part of a resolved value was written.
#[derive(Debug, Clone)]
enum Written {
    /// As written at this origin, all the way down.
    As(Origin),
    /// A table whose keys were written in different places.
    Keys(Origin, BTreeMap<String, Written>),
    /// A list whose elements were written in different places.
    Items(Origin, Vec<Written>),
}

impl Written {
    fn origin(&self) -> &Origin {
        match self {
            Written::As(origin) | Written::Keys(origin, _) | Written::Items(origin, _) => origin,
        }
    }

    /// Splits an [`Written::As`] of the table or list `value` into one origin per key or
    /// element, so that one of them can change.
    fn open(&mut self, value: &Value) {
        let Written::As(origin) = self else {
            return;
        };
        let at = |path: FieldPath| {
            Written::As(Origin {
                layer: origin.layer,
                path,
            })
        };
        *self = match value {
            Value::Table(table) => Written::Keys(
                origin.clone(),
                (table.keys())
                    .map(|key| (key.clone(), at(origin.path.key(key))))
                    .collect(),
            ),
            Value::Array(items) => Written::Items(
                origin.clone(),
                (items.iter().enumerate())
                    .map(|(index, item)| at(element(&origin.path, index, item)))
                    .collect(),
            ),
            _ => return,
        };
    }

    /// The origins of the parent of `steps` in `value` (opened), if it is there.
    fn parent_mut(&mut self, value: &Value, steps: &[Step]) -> Option<&mut Written> {
        let (_, parents) = steps.split_last()?;
        let mut node = self;
        let mut value = value;
        for step in parents {
            node.open(value);
            let (child, child_value) = match (node, step, value) {
                (Written::Keys(_, keys), Step::Key(key), Value::Table(table)) => {
                    (keys.get_mut(key)?, table.get(key)?)
                }
                (Written::Items(_, items), Step::Element(index), Value::Array(array)) => {
                    (items.get_mut(*index)?, array.get(*index)?)
                }
                _ => return None,
            };
            node = child;
            value = child_value;
        }
        node.open(value);
        Some(node)
    }

    /// Records that what is at `steps` of `value` (as it now is) was written at `origin`.
    fn record(&mut self, value: &Value, steps: &[Step], origin: Origin) {
        let Some(parent) = self.parent_mut(value, steps) else {
            *self = Written::As(origin);
            return;
        };
        match (parent, steps.last()) {
            (Written::Keys(_, keys), Some(Step::Key(key))) => {
                keys.insert(key.clone(), Written::As(origin));
            }
            (Written::Items(_, items), Some(Step::Element(index))) => match items.get_mut(*index) {
                Some(item) => *item = Written::As(origin),
                None => items.push(Written::As(origin)),
            },
            _ => {}
        }
    }

    /// Records that an element written at `origin` is inserted at `steps` of `value` (as
    /// it is before the insertion), moving the elements from there on one place down.
    fn insert(&mut self, value: &Value, steps: &[Step], origin: Origin) {
        if let (Some(Written::Items(_, items)), Some(Step::Element(index))) =
            (self.parent_mut(value, steps), steps.last())
        {
            items.insert((*index).min(items.len()), Written::As(origin));
        }
    }

    /// Forgets what is at `steps` of `value`, before it is removed.
    fn forget(&mut self, value: &Value, steps: &[Step]) {
        match (self.parent_mut(value, steps), steps.last()) {
            (Some(Written::Keys(_, keys)), Some(Step::Key(key))) => {
                keys.remove(key);
            }
            (Some(Written::Items(_, items)), Some(Step::Element(index)))
                if *index < items.len() =>
            {
                items.remove(*index);
            }
            _ => {}
        }
    }

    /// Where the field at `path` of the resolved scenario was written.
    fn locate(&self, path: &FieldPath) -> Origin {
        let mut node = self;
        for (depth, segment) in path.0.iter().enumerate() {
            let child = match (node, segment) {
                (Written::Keys(_, keys), Segment::Key(key)) => keys.get(key),
                (Written::Items(_, items), Segment::Index(index, _)) => items.get(*index),
                _ => None,
            };
            match child {
                Some(child) => node = child,
                None => {
                    let origin = node.origin();
                    let mut within = origin.path.clone();
                    within.0.extend(path.0[depth..].iter().cloned());
                    return Origin {
                        layer: origin.layer,
                        path: within,
                    };
                }
            }
        }
        node.origin().clone()
    }
}

/// The path of element `index` of the list at `list`, by its id when it has one.
pub(crate) fn element(list: &FieldPath, index: usize, item: &Value) -> FieldPath {
    match item.get("id").and_then(Value::as_str) {
        Some(id) => list.item(index, id),
        None => list.index(index),
    }
}

/// A scenario file resolved through its chain of bases.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The files of the chain, the first base first and the file itself last.
    layers: Vec<Layer>,
    /// The resolved scenario (a table).
    value: Value,
    written: Written,
    /// For a change file: its base, resolved.
    base: Option<Box<Resolved>>,
}

impl Resolved {
    /// The resolved scenario.
    pub fn table(&self) -> &Table {
        self.value
            .as_table()
            .expect("a scenario resolves to a table")
    }

    /// For a change file: its base, resolved.
    pub fn base(&self) -> Option<&Resolved> {
        self.base.as_deref()
    }

    /// The file itself, as named when it was read.
    pub fn file(&self) -> &str {
        &self.top().file
    }

    /// The text of a file with no base, which is its own scenario.
    pub fn standalone_text(&self) -> Option<&str> {
        self.base.is_none().then_some(self.top().text.as_str())
    }

    fn top(&self) -> &Layer {
        self.layers.last().expect("a chain has its own file")
    }

    /// The file (printable) and line where the field at `path` of the resolved scenario
    /// was written (line 0 when unknown).
    pub fn place(&self, path: &FieldPath) -> (String, usize) {
        let origin = self.written.locate(path);
        let layer = &self.layers[origin.layer];
        let line = SourceMap::new(&layer.text).line_of(&origin.path);
        (printable(&layer.file).into_owned(), line.unwrap_or(0))
    }

    /// `message` about the field at `path` of the resolved scenario, located where that
    /// field was written.
    pub fn invalid(&self, path: &FieldPath, message: &str) -> ScenarioError {
        let (file, line) = self.place(path);
        ScenarioError::Invalid {
            file,
            line,
            field: path.to_string(),
            message: printable(message).into_owned(),
        }
    }

    /// What a change file allows but probably does not mean: keeping its base's `name`,
    /// so that both write to the same output folder.
    pub fn warnings(&self) -> Vec<String> {
        let name = |resolved: &Resolved| resolved.table().get("name").cloned();
        match &self.base {
            Some(base) if name(base).is_some() && name(base) == name(self) => {
                let name = name(self).map(|name| name.to_string()).unwrap_or_default();
                vec![self
                    .top()
                    .invalid(
                        &FieldPath::root("base"),
                        &format!(
                            "the scenario keeps its base's name {name}, so its outputs go to \
                             the same folder: give it its own `name`"
                        ),
                    )
                    .to_string()]
            }
            _ => Vec::new(),
        }
    }
}

/// Reads the scenario file at `path` and resolves its chain of bases.
pub fn resolve(path: &Path) -> Result<Resolved, ScenarioError> {
    resolve_chain(path, path.display().to_string(), &mut Vec::new())
}

/// Resolves `path`, shown in messages as `file`, whose change files (`seen`, by
/// canonical path) are waiting on it.
fn resolve_chain(
    path: &Path,
    file: String,
    seen: &mut Vec<PathBuf>,
) -> Result<Resolved, ScenarioError> {
    let layer = Layer {
        file,
        text: read_text(path)?,
    };
    let mut changes: Table = toml::from_str(&layer.text)
        .map_err(|error| ScenarioError::parse(&layer.text, &layer.file, &error))?;
    let Some(base) = changes.remove("base") else {
        if let Some(key) = CHANGES.iter().find(|key| changes.contains_key(**key)) {
            return Err(layer.invalid(
                &FieldPath::root(key),
                &format!(
                    "`{key}` changes a base scenario: name it with `base = \"<file>.toml\"` \
                     (relative to this file)"
                ),
            ));
        }
        return Ok(Resolved {
            value: Value::Table(changes),
            written: Written::As(Origin {
                layer: 0,
                path: FieldPath::default(),
            }),
            layers: vec![layer],
            base: None,
        });
    };
    let base_field = FieldPath::root("base");
    let Value::String(base) = base else {
        return Err(layer.invalid(
            &base_field,
            "must be the file name of the scenario this file changes, relative to this file, \
             e.g. \"../baseline.toml\"",
        ));
    };
    let base_path = path.parent().unwrap_or(Path::new("")).join(&base);
    let canonical = base_path.canonicalize().map_err(|error| {
        layer.invalid(
            &base_field,
            &format!(
                "cannot read the base scenario {}: {error}",
                base_path.display()
            ),
        )
    })?;
    seen.push(path.canonicalize().unwrap_or_else(|_| path.to_path_buf()));
    if let Some(first) = seen.iter().position(|file| *file == canonical) {
        let chain: Vec<String> = (seen[first..].iter().chain([&canonical]))
            .map(|file| file.display().to_string())
            .collect();
        return Err(layer.invalid(
            &base_field,
            &format!("the chain of bases loops: {}", chain.join(" → ")),
        ));
    }
    let base = resolve_chain(&base_path, tidy(&base_path).display().to_string(), seen)?;
    seen.pop();
    let mut resolved = Resolved {
        layers: base.layers.clone(),
        value: base.value.clone(),
        written: base.written.clone(),
        base: Some(Box::new(base)),
    };
    resolved.layers.push(layer);
    resolved.apply(changes)?;
    Ok(resolved)
}

impl Resolved {
    /// Applies the changes of the last layer, in the order the module documentation
    /// gives.
    fn apply(&mut self, mut changes: Table) -> Result<(), ScenarioError> {
        let layer = self.layers.len() - 1;
        let from = |path: FieldPath| Origin { layer, path };
        if let Some(remove) = changes.remove("remove") {
            self.remove(&remove)?;
        }
        let set = changes.remove("set");
        let scale = changes.remove("scale");
        let prepend = match changes.remove("prepend") {
            Some(prepend) => self.prepend(&prepend, &changes)?,
            None => Vec::new(),
        };
        for (key, change) in changes {
            let first = prepend.contains(&key);
            self.merge(&key, change, first, &from)?;
        }
        if let Some(set) = set {
            for (path, value, field) in self.by_path("set", set)? {
                let places = path::find_or_new(&self.value, &path)
                    .map_err(|error| self.top().invalid(&field, &error.to_string()))?;
                for place in places {
                    place.replace(&mut self.value, value.clone());
                    self.written
                        .record(&self.value, place.steps(), from(field.clone()));
                }
            }
        }
        if let Some(scale) = scale {
            for (path, factor, field) in self.by_path("scale", scale)? {
                let factor = factor.as_float().or(factor.as_integer().map(|n| n as f64));
                let Some(factor) = factor.filter(|factor| factor.is_finite()) else {
                    return Err(self
                        .top()
                        .invalid(&field, "must be a number: the factor to multiply by"));
                };
                let targets = path::resolve(&self.value, &path)
                    .and_then(|targets| {
                        for target in &targets {
                            target.check_scalable()?;
                        }
                        Ok(targets)
                    })
                    .map_err(|error| self.top().invalid(&field, &error.to_string()))?;
                for target in targets {
                    target.scale(&mut self.value, factor);
                    self.written
                        .record(&self.value, target.place.steps(), from(field.clone()));
                }
            }
        }
        Ok(())
    }

    /// Takes out each path of `remove`.
    fn remove(&mut self, remove: &Value) -> Result<(), ScenarioError> {
        let field = FieldPath::root("remove");
        let Some(paths) = remove.as_array() else {
            return Err(self.top().invalid(
                &field,
                "must be a list of paths, e.g. [\"projects.dublin_ai_hall\"]",
            ));
        };
        let mut places: Vec<Place> = Vec::new();
        for (index, path) in paths.iter().enumerate() {
            let at = field.index(index);
            let Some(path) = path.as_str() else {
                return Err(self.top().invalid(&at, "must be a path, in quotes"));
            };
            let found = path::find(&self.value, path)
                .map_err(|error| self.top().invalid(&at, &error.to_string()))?;
            places.extend(found);
        }
        // Last first, so that taking out an element leaves the indices of the others.
        places.sort_by(|a, b| b.steps().cmp(a.steps()));
        places.dedup_by(|a, b| a.steps() == b.steps());
        for place in places {
            self.written.forget(&self.value, place.steps());
            place.remove(&mut self.value);
        }
        Ok(())
    }

    /// The lists named by `prepend`, each checked to be one to which `changes` adds
    /// entries.
    fn prepend(&self, prepend: &Value, changes: &Table) -> Result<Vec<String>, ScenarioError> {
        let field = FieldPath::root("prepend");
        let lists: Vec<&str> = changes
            .iter()
            .filter(|(_, value)| is_tables(value))
            .map(|(key, _)| key.as_str())
            .collect();
        let Some(names) = prepend.as_array() else {
            return Err(self.top().invalid(
                &field,
                "must be a list of the lists whose added entries go first, e.g. [\"packaging\"]",
            ));
        };
        let mut keys = Vec::with_capacity(names.len());
        for (index, name) in names.iter().enumerate() {
            match name.as_str() {
                Some(name) if lists.contains(&name) => keys.push(name.to_string()),
                _ => {
                    return Err(self.top().invalid(
                        &field.index(index),
                        &format!(
                            "must name a list to which this file adds [[…]] entries: {}{}",
                            if lists.is_empty() {
                                "it adds none".to_string()
                            } else {
                                lists.join(", ")
                            },
                            super::did_you_mean(
                                name.as_str().unwrap_or_default(),
                                lists.iter().copied()
                            )
                        ),
                    ))
                }
            }
        }
        Ok(keys)
    }

    /// Merges the top-level `key` of a change file into the scenario; the entries it adds
    /// to a list go before the base's when `first`, else after them.
    fn merge(
        &mut self,
        key: &str,
        change: Value,
        first: bool,
        from: &dyn Fn(FieldPath) -> Origin,
    ) -> Result<(), ScenarioError> {
        let root = FieldPath::root(key);
        let top = Step::Key(key.to_string());
        let entries = match (self.table().get(key), change) {
            (Some(Value::Table(_)), Value::Table(change)) => {
                for (inner, value) in change {
                    let steps = [top.clone(), Step::Key(inner.clone())];
                    let origin = from(root.key(&inner));
                    if let Some(Value::Table(base)) = self.value.get_mut(key) {
                        base.insert(inner, value);
                    }
                    self.written.record(&self.value, &steps, origin);
                }
                return Ok(());
            }
            (Some(Value::Array(base)), Value::Array(entries))
                if all_tables(base) && !entries.is_empty() && all_tables(&entries) =>
            {
                entries
            }
            (_, change) => {
                let table = self.value.as_table_mut().expect("a scenario is a table");
                table.insert(key.to_string(), change);
                self.written.record(&self.value, &[top], from(root));
                return Ok(());
            }
        };
        let mut ids = BTreeSet::new();
        for (index, entry) in entries.iter().enumerate() {
            if let Some(id) = entry.get("id").and_then(Value::as_str) {
                if !ids.insert(id) {
                    return Err(self.top().invalid(
                        &element(&root, index, entry).key("id"),
                        &format!(
                            "another [[{key}]] entry of this file has id {id:?}: an id names \
                             one entry, which replaces the base's entry of that id"
                        ),
                    ));
                }
            }
        }
        let mut added = 0;
        for (index, entry) in entries.into_iter().enumerate() {
            let origin = from(element(&root, index, &entry));
            let list =
                (self.value.get(key).and_then(Value::as_array)).expect("the base's list is there");
            let id = entry.get("id").and_then(Value::as_str);
            let matching = id.and_then(|id| {
                (list.iter()).position(|old| old.get("id").and_then(Value::as_str) == Some(id))
            });
            let position = match matching {
                Some(position) => position,
                None if first => added,
                None => list.len(),
            };
            let steps = [top.clone(), Step::Element(position)];
            if matching.is_some() {
                self.written.record(&self.value, &steps, origin);
            } else {
                self.written.insert(&self.value, &steps, origin);
                added += 1;
            }
            let list = (self.value.get_mut(key).and_then(Value::as_array_mut))
                .expect("the base's list is there");
            match matching {
                Some(position) => list[position] = entry,
                None => list.insert(position, entry),
            }
        }
        Ok(())
    }

    /// The entries of the `[set]` or `[scale]` table `table`: each path, its value and its
    /// field. A path must be one quoted key: `power.pue = 1.2` would be a table `power`
    /// holding `pue`, so it is refused with the quoted form to write instead.
    fn by_path(
        &self,
        directive: &str,
        table: Value,
    ) -> Result<Vec<(String, Value, FieldPath)>, ScenarioError> {
        let field = FieldPath::root(directive);
        let Value::Table(table) = table else {
            return Err(self.top().invalid(
                &field,
                &format!("must be a table: [{directive}] with \"path\" = value lines"),
            ));
        };
        let document = toml_edit::ImDocument::parse(self.top().text.as_str()).ok();
        let written = document.as_ref().and_then(|d| d.get(directive));
        let mut entries = Vec::with_capacity(table.len());
        for (path, value) in table {
            let at = field.key(&path);
            if written
                .and_then(|t| t.get(&path))
                .is_some_and(|item| item.is_table())
            {
                let example = nested_path(&path, &value);
                return Err(self.top().invalid(
                    &at,
                    &format!(
                        "write each path as one quoted key, e.g. \"{example}\" = …; \
                         unquoted, the dots make nested tables"
                    ),
                ));
            }
            entries.push((path, value, at));
        }
        Ok(entries)
    }
}

/// `path` with `.` and `dir/..` taken out, for messages: a base named `../baseline.toml`
/// in `configs/scenarios/x.toml` is shown as `configs/baseline.toml`. (The file is read by
/// the path as given, so a symbolic link is followed as the system follows it.)
fn tidy(path: &Path) -> PathBuf {
    let mut tidy = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(tidy.components().next_back(), Some(Component::Normal(_))) =>
            {
                tidy.pop();
            }
            other => tidy.push(other),
        }
    }
    tidy
}

/// The first full path in a table of nested keys, for messages: `power.pue` for
/// `power = { pue = 1.2 }`.
fn nested_path(key: &str, value: &Value) -> String {
    match value.as_table().and_then(|table| table.iter().next()) {
        Some((inner, value)) => format!("{key}.{}", nested_path(inner, value)),
        None => key.to_string(),
    }
}
