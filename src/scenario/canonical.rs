//! A scenario as canonical TOML text: the form in which a change file's resolved
//! scenario is checked, hashed into the manifest and printed by `chipsim check
//! --resolved`. The same table always prints the same text: keys in the order of the
//! field tables ([`super::raw::RawScenario::FIELDS`] and each kind's), keys no table
//! names after them in sorted order; top-level values first, then each table
//! (`[power]`) and each entry of a list of tables (`[[fabs]]`), with every value inside
//! written inline (`yield = { beta = { mean = 0.65, sd = 0.07 } }`) and a list of
//! tables inside an entry written one table per line.

use std::fmt::Write as _;

use toml::{Table, Value};

use super::fields::{Family, Field, Kind, FAMILIES};
use super::raw::RawScenario;

/// `table`, a whole scenario, as canonical TOML ending in a newline.
pub fn to_toml(table: &Table) -> String {
    let mut text = String::new();
    let ordered = in_order(table, RawScenario::FIELDS);
    for (key, value, fields) in &ordered {
        if !is_tables(value) && !value.is_table() {
            line(&mut text, key, value, fields);
        }
    }
    for (key, value, fields) in &ordered {
        match value {
            Value::Table(inner) => {
                let _ = writeln!(text, "\n[{}]", bare_or_quoted(key));
                body(&mut text, inner, fields);
            }
            Value::Array(entries) if is_tables(value) => {
                for entry in entries.iter().filter_map(Value::as_table) {
                    let _ = writeln!(text, "\n[[{}]]", bare_or_quoted(key));
                    body(&mut text, entry, fields);
                }
            }
            _ => {}
        }
    }
    text
}

/// Whether `value` is a non-empty list of tables (written as `[[key]]` entries).
pub fn is_tables(value: &Value) -> bool {
    matches!(value, Value::Array(items) if !items.is_empty() && all_tables(items))
}

/// Whether every item is a table (true of no items).
pub fn all_tables(items: &[Value]) -> bool {
    items.iter().all(Value::is_table)
}

/// The key-value lines of one table or entry.
fn body(text: &mut String, table: &Table, fields: &'static [Field]) {
    for (key, value, inner) in in_order(table, fields) {
        line(text, key, value, inner);
    }
}

/// `key = value`, with a list of tables one table per line.
fn line(text: &mut String, key: &str, value: &Value, fields: &'static [Field]) {
    let key = bare_or_quoted(key);
    match value {
        Value::Array(items) if is_tables(value) => {
            let _ = writeln!(text, "{key} = [");
            for item in items {
                let _ = writeln!(text, "  {},", inline(item, fields));
            }
            text.push_str("]\n");
        }
        _ => {
            let _ = writeln!(text, "{key} = {}", inline(value, fields));
        }
    }
}

/// `value` written on one line: a table's keys in the order of `fields`, or of its
/// family's parameters when it is a distribution (`{ triangular = { min = 1, mode = 3,
/// max = 14 } }`).
pub fn inline(value: &Value, fields: &'static [Field]) -> String {
    match value {
        Value::Table(table) => {
            let family = (table.len() == 1)
                .then(|| table.keys().next())
                .flatten()
                .and_then(|key| FAMILIES.iter().find(|family| family.name == key.as_str()));
            let items: Vec<String> = match family {
                Some(family) => table
                    .iter()
                    .map(|(key, parameters)| {
                        format!("{key} = {}", parameters_inline(parameters, family))
                    })
                    .collect(),
                None => (in_order(table, fields).into_iter())
                    .map(|(key, value, inner)| {
                        format!("{} = {}", bare_or_quoted(key), inline(value, inner))
                    })
                    .collect(),
            };
            if items.is_empty() {
                "{}".into()
            } else {
                format!("{{ {} }}", items.join(", "))
            }
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(|item| inline(item, fields)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Datetime(datetime) => datetime.to_string(),
        other => other.to_string(),
    }
}

/// The parameters of a distribution of `family`, in the order its forms list them.
fn parameters_inline(parameters: &Value, family: &Family) -> String {
    let Value::Table(table) = parameters else {
        return inline(parameters, &[]);
    };
    let mut order: Vec<&str> = Vec::new();
    for param in family.forms.iter().flat_map(|form| form.iter()) {
        if !order.contains(&param.name) {
            order.push(param.name);
        }
    }
    let rank = |key: &str| {
        order
            .iter()
            .position(|name| *name == key)
            .unwrap_or(order.len())
    };
    let mut keys: Vec<(&String, &Value)> = table.iter().collect();
    keys.sort_by_key(|(key, _)| rank(key));
    let items: Vec<String> = (keys.into_iter())
        .map(|(key, value)| format!("{} = {}", bare_or_quoted(key), inline(value, &[])))
        .collect();
    format!("{{ {} }}", items.join(", "))
}

/// The keys of `table` with their values and the fields of what they hold: first those
/// `fields` name, in their order, then the others, sorted.
pub fn in_order<'t>(
    table: &'t Table,
    fields: &'static [Field],
) -> Vec<(&'t str, &'t Value, &'static [Field])> {
    let named = fields.iter().filter_map(|field| {
        let inner = match field.kind {
            Kind::Table(inner) | Kind::Tables(inner) => inner,
            _ => &[],
        };
        (table.get_key_value(field.name)).map(|(key, value)| (key.as_str(), value, inner))
    });
    let others = (table.iter())
        .filter(|(key, _)| !fields.iter().any(|field| field.name == key.as_str()))
        .map(|(key, value)| (key.as_str(), value, &[] as &'static [Field]));
    named.chain(others).collect()
}

/// A key as TOML writes it: bare when it can be, else a quoted string.
pub fn bare_or_quoted(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        Value::String(key.to_string()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_in_field_order_and_reads_back_the_same() {
        let text = r#"
            zz_unknown = 1
            name = "x"
            [[fabs]]
            yield = { beta = { sd = 0.1, mean = 0.5 } }
            id = "a"
            capacity_schedule = [{ date = 2026-01-01, per_week = 5 }, { date = 2027-01-01, per_week = 6 }]
            [power]
            utilisation = 0.5
            pue = 1.2
            ["odd key"]
            x = 1
        "#;
        let table: Table = toml::from_str(text).expect("toml");
        let printed = to_toml(&table);
        assert_eq!(
            printed,
            "name = \"x\"\nzz_unknown = 1\n\n[power]\npue = 1.2\nutilisation = 0.5\n\n\
             [[fabs]]\nid = \"a\"\ncapacity_schedule = [\n  { date = 2026-01-01, per_week = 5 },\n  \
             { date = 2027-01-01, per_week = 6 },\n]\nyield = { beta = { mean = 0.5, sd = 0.1 } }\n\
             \n[\"odd key\"]\nx = 1\n"
        );
        let back: Table = toml::from_str(&printed).expect("canonical text is TOML");
        assert_eq!(back, table);
        assert_eq!(to_toml(&back), printed, "printing is stable");
    }
}
