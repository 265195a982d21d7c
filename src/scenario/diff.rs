//! What one scenario changes from another, as `chipsim check --diff` lists it: one line
//! per change, in the order of the field tables (as [`super::canonical`] prints), so
//! that the same two scenarios always give the same listing.
//!
//! - `~ path = new (was old)`: a value changed;
//! - `+ path = value`: a value added; `+ path` then its fields indented: a table or an
//!   entry added;
//! - `- path (was old)`: a value removed (back to its default); `- path`: a table or an
//!   entry removed.
//!
//! Entries of a list of tables are matched by `id` when every entry has one (so an entry
//! replaced by a change file shows only the fields that differ), else by position.
//! Paths are written as in errors: `lanes.tw_usw_sea.capacity_per_departure`,
//! `installed_base[0].accelerators`.

use toml::{Table, Value};

use super::canonical::{all_tables, in_order, inline, is_tables};
use super::fields::Field;
use super::locate::{FieldPath, Segment};
use super::overlay::element;
use super::raw::RawScenario;

/// The changes from scenario `base` to scenario `changed`, one line each (an added table
/// or entry takes one line more per field).
pub fn listing(base: &Table, changed: &Table) -> Vec<String> {
    let mut lines = Vec::new();
    tables(
        &mut lines,
        &FieldPath::default(),
        base,
        changed,
        RawScenario::FIELDS,
    );
    lines
}

/// The path of key `key` below `at` (at the top when `at` is empty).
fn key(at: &FieldPath, key: &str) -> FieldPath {
    if at.0.is_empty() {
        FieldPath::root(key)
    } else {
        at.key(key)
    }
}

fn tables(
    lines: &mut Vec<String>,
    at: &FieldPath,
    base: &Table,
    changed: &Table,
    fields: &'static [Field],
) {
    let union: Table = (base.keys().chain(changed.keys()))
        .map(|name| (name.clone(), Value::Boolean(true)))
        .collect();
    for (name, _, inner) in in_order(&union, fields) {
        let at = key(at, name);
        match (base.get(name), changed.get(name)) {
            (Some(old), Some(new)) => values(lines, &at, old, new, inner),
            (Some(old), None) => removed(lines, &at, old),
            (None, Some(new)) => added(lines, &at, new, inner),
            (None, None) => {}
        }
    }
}

fn values(
    lines: &mut Vec<String>,
    at: &FieldPath,
    old: &Value,
    new: &Value,
    fields: &'static [Field],
) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Table(old), Value::Table(new)) => tables(lines, at, old, new, fields),
        (Value::Array(old), Value::Array(new)) if all_tables(old) && all_tables(new) => {
            entries(lines, at, old, new, fields)
        }
        _ => lines.push(format!(
            "~ {at} = {} (was {})",
            inline(new, fields),
            inline(old, fields)
        )),
    }
}

fn entries<'a>(
    lines: &mut Vec<String>,
    at: &FieldPath,
    old: &'a [Value],
    new: &'a [Value],
    fields: &'static [Field],
) {
    let id = |entry: &Value| entry.get("id").and_then(Value::as_str).map(str::to_string);
    let path = |index: usize, entry: &Value| element(at, index, entry);
    let by_id = old.iter().chain(new).all(|entry| id(entry).is_some());
    let partner = |entry: &Value, index: usize, others: &'a [Value]| -> Option<&'a Value> {
        if by_id {
            others.iter().find(|other| id(other) == id(entry))
        } else {
            others.get(index)
        }
    };
    for (index, entry) in old.iter().enumerate() {
        match partner(entry, index, new) {
            Some(now) => values(lines, &path(index, entry), entry, now, fields),
            None => removed(lines, &path(index, entry), entry),
        }
    }
    for (index, entry) in new.iter().enumerate() {
        if partner(entry, index, old).is_none() {
            added(lines, &path(index, entry), entry, fields);
        }
    }
}

fn removed(lines: &mut Vec<String>, at: &FieldPath, old: &Value) {
    if old.is_table() || is_tables(old) {
        lines.push(format!("- {at}"));
    } else {
        lines.push(format!("- {at} (was {})", inline(old, &[])));
    }
}

fn added(lines: &mut Vec<String>, at: &FieldPath, new: &Value, fields: &'static [Field]) {
    match new {
        Value::Table(table) => {
            lines.push(format!("+ {at}"));
            // The path names an entry by its id, so the id is not repeated.
            let named = matches!(at.0.last(), Some(Segment::Index(_, Some(_))));
            for (name, value, inner) in in_order(table, fields) {
                if !(named && name == "id") {
                    lines.push(format!("    {name} = {}", inline(value, inner)));
                }
            }
        }
        Value::Array(items) if is_tables(new) => {
            for (index, item) in items.iter().enumerate() {
                added(lines, &element(at, index, item), item, fields);
            }
        }
        _ => lines.push(format!("+ {at} = {}", inline(new, fields))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(base: &str, changed: &str) -> Vec<String> {
        let table = |text: &str| toml::from_str::<Table>(text).expect("toml");
        listing(&table(base), &table(changed))
    }

    #[test]
    fn lists_changes_additions_and_removals_by_id() {
        let base = r#"
            name = "a"
            [power]
            pue = 1.3
            [[lanes]]
            id = "x"
            transit_days = 5
            [[lanes]]
            id = "y"
            transit_days = 6
            [[installed_base]]
            accelerators = 1
        "#;
        let changed = r#"
            name = "b"
            [power]
            utilisation = 0.5
            [[lanes]]
            id = "y"
            transit_days = 7
            [[lanes]]
            id = "z"
            transit_days = 8
            [[installed_base]]
            accelerators = 2
        "#;
        assert_eq!(
            diff(base, changed),
            [
                "~ name = \"b\" (was \"a\")",
                "- power.pue (was 1.3)",
                "+ power.utilisation = 0.5",
                "- lanes.x",
                "~ lanes.y.transit_days = 7 (was 6)",
                "+ lanes.z",
                "    transit_days = 8",
                "~ installed_base[0].accelerators = 2 (was 1)",
            ]
        );
        assert!(diff(base, base).is_empty());
    }
}
