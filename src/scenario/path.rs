//! Paths into a scenario's TOML: where a sweep parameter lives in the base scenario and
//! how a design point's value is written there, and which values a change file's
//! `[set]`, `[scale]` and `remove` name (see [`super::overlay`]).
//!
//! A path is dot-separated keys from the top of the scenario file, e.g. `power.pue`.
//! An element of an array is named by its `id` (`fabs.tsmc_f18.wafer_starts_per_week`)
//! or by its index from 0 (`installed_base.0.accelerators`, also written
//! `installed_base[0].accelerators`). `*` matches every key or element at its level:
//! `fabs.*.wafer_starts_per_week` is every fab's value, moved together as one parameter.
//!
//! For a sweep ([`resolve`]), a path must end at a number written in the base scenario (a
//! field left at its default has no path: write it in the base to sweep it), or, for a
//! `scale` multiplier only, at a
//! distribution, which is then multiplied as a random quantity: X becomes m·X, so every
//! parameter in X's unit is multiplied (`min`, `mode`, `max`, `mean`, `sd`, `median`,
//! `p90`, `values`, or `scale` of a gamma or Weibull). A beta (a fraction on [0, 1]) and a
//! Poisson count cannot be multiplied: sweep their parameters instead. The run settings
//! `seed`, `replications` and `event_budget` are not model inputs and cannot be swept.

use std::collections::BTreeSet;

use toml::Value;

use crate::scenario::fields::FAMILIES;

/// Top-level keys that are not model inputs.
const NOT_INPUTS: [&str; 4] = ["seed", "replications", "event_budget", "sweep"];

/// How many nearest paths an unknown-path error lists.
const NEAREST_LISTED: usize = 3;

/// A path that does not name a sweepable value of the base scenario.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PathError {
    /// Empty, or with an empty step.
    #[error("`{path}` is not a path: write dot-separated keys such as `power.pue`")]
    Syntax {
        /// The path as written.
        path: String,
    },
    /// Matches nothing in the base scenario.
    #[error("`{path}` matches nothing in the base scenario; nearest valid paths: {}", nearest.join(", "))]
    Unknown {
        /// The path as written.
        path: String,
        /// The nearest valid paths, nearest first.
        nearest: Vec<String>,
    },
    /// A run setting, not a model input.
    #[error("`{path}` is a run setting, not a model input: it cannot be swept or scaled")]
    NotInput {
        /// The path as written.
        path: String,
    },
    /// Matches a value that is not a number (text, a date, a table).
    #[error("`{path}` is {what}, not a number: only numbers (and, with `scale`, distributions) can be swept or scaled")]
    NotNumber {
        /// The matched value's path.
        path: String,
        /// What it is, e.g. `text`.
        what: &'static str,
    },
    /// A distribution given absolute values.
    #[error(
        "`{path}` is a distribution: multiply it with `scale = [low, high]`, or sweep one of \
         its parameters, e.g. `{example}`"
    )]
    DistributionNeedsScale {
        /// The distribution's path.
        path: String,
        /// One of its numeric parameters' paths.
        example: String,
    },
    /// A distribution that a multiplier would leave its range.
    #[error(
        "`{path}` is a {family} distribution, which cannot be multiplied (a beta is a fraction \
         on [0, 1], a Poisson a count): sweep its parameters instead, e.g. `{path}.{family}.mean`"
    )]
    NotScalable {
        /// The distribution's path.
        path: String,
        /// Its family.
        family: String,
    },
}

/// One step of a concrete path: a table key or an array element.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Step {
    /// A key of a table.
    Key(String),
    /// An element of an array, by index.
    Element(usize),
}

/// One place a path names: its steps from the top, and its canonical path (ids or
/// indices for elements).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Place {
    steps: Vec<Step>,
    /// The canonical path.
    pub(crate) path: String,
}

impl Place {
    /// The steps from the top.
    pub(crate) fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Writes `value` here, adding the key when the place is a new key of a table.
    pub(crate) fn replace(&self, root: &mut Value, value: Value) {
        let Some((last, parent)) = self.steps.split_last() else {
            *root = value;
            return;
        };
        match (node_mut(root, parent), last) {
            (Some(Value::Table(table)), Step::Key(key)) => {
                table.insert(key.clone(), value);
            }
            (Some(Value::Array(array)), Step::Element(index)) if *index < array.len() => {
                array[*index] = value;
            }
            _ => {}
        }
    }

    /// Removes what is here from its table or array.
    pub(crate) fn remove(&self, root: &mut Value) {
        let Some((last, parent)) = self.steps.split_last() else {
            return;
        };
        match (node_mut(root, parent), last) {
            (Some(Value::Table(table)), Step::Key(key)) => {
                table.remove(key);
            }
            (Some(Value::Array(array)), Step::Element(index)) if *index < array.len() => {
                array.remove(*index);
            }
            _ => {}
        }
    }
}

/// What a target holds in the base scenario.
#[derive(Debug, Clone, PartialEq)]
enum Holds {
    /// A number; `integer` when written without a decimal point.
    Number { value: f64, integer: bool },
    /// A distribution of this family.
    Distribution { family: String },
}

/// One value of the base scenario that a parameter sets.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Target {
    /// Where it is.
    pub(crate) place: Place,
    holds: Holds,
}

impl Target {
    /// The base value, when the target is a number.
    pub(crate) fn number(&self) -> Option<f64> {
        match self.holds {
            Holds::Number { value, .. } => Some(value),
            Holds::Distribution { .. } => None,
        }
    }

    /// Checks that an absolute value may be written here: a number, not a distribution.
    pub(crate) fn check_settable(&self) -> Result<(), PathError> {
        match &self.holds {
            Holds::Number { .. } => Ok(()),
            Holds::Distribution { family } => Err(PathError::DistributionNeedsScale {
                path: self.place.path.clone(),
                example: format!("{}.{family}.{}", self.place.path, example_key(family)),
            }),
        }
    }

    /// Checks that a multiplier may be applied here.
    pub(crate) fn check_scalable(&self) -> Result<(), PathError> {
        match &self.holds {
            Holds::Distribution { family } if scaled_keys(family).is_none() => {
                Err(PathError::NotScalable {
                    path: self.place.path.clone(),
                    family: family.clone(),
                })
            }
            _ => Ok(()),
        }
    }

    /// The value of `key` beside this target, in the table that holds it (e.g. the
    /// `date` of a capacity schedule point).
    pub(crate) fn sibling<'v>(&self, root: &'v Value, key: &str) -> Option<&'v Value> {
        let (_, table) = self.place.steps.split_last()?;
        let holder = table.iter().try_fold(root, |node, step| match step {
            Step::Key(name) => node.get(name.as_str()),
            Step::Element(index) => node.get(*index),
        })?;
        holder.get(key)
    }

    /// Writes `value` in place of the base number.
    pub(crate) fn set(&self, root: &mut Value, value: f64) {
        let integer = matches!(self.holds, Holds::Number { integer: true, .. });
        if let Some(node) = node_mut(root, &self.place.steps) {
            *node = number_value(value, integer);
        }
    }

    /// Multiplies the base number, or the distribution as a random quantity, by `factor`.
    pub(crate) fn scale(&self, root: &mut Value, factor: f64) {
        let Some(node) = node_mut(root, &self.place.steps) else {
            return;
        };
        match &self.holds {
            Holds::Number { .. } => scale_numbers(node, factor),
            Holds::Distribution { family } => {
                let Value::Table(table) = node else {
                    return;
                };
                let Some(parameters) = table.get_mut(family) else {
                    return;
                };
                match (parameters, scaled_keys(family)) {
                    (Value::Table(parameters), Some(keys)) => {
                        for key in keys {
                            if let Some(value) = parameters.get_mut(*key) {
                                scale_numbers(value, factor);
                            }
                        }
                    }
                    // `{ fixed = 5 }`.
                    (value, Some(_)) => scale_numbers(value, factor),
                    (_, None) => {}
                }
            }
        }
    }
}

/// The parameters of a family that are in the random quantity's unit, so that
/// multiplying them multiplies the quantity; `None` when that is not possible.
fn scaled_keys(family: &str) -> Option<&'static [&'static str]> {
    match family {
        "fixed" => Some(&[]),
        "uniform" => Some(&["min", "max"]),
        "triangular" => Some(&["min", "mode", "max"]),
        "normal" => Some(&["mean", "sd", "min", "max"]),
        "lognormal" => Some(&["mean", "sd", "median", "p90"]),
        "exponential" => Some(&["mean"]),
        "gamma" | "weibull" => Some(&["scale"]),
        "empirical" => Some(&["values"]),
        _ => None,
    }
}

/// A numeric parameter of a family, for messages.
fn example_key(family: &str) -> &'static str {
    match family {
        "uniform" | "triangular" => "max",
        "gamma" | "weibull" => "scale",
        "empirical" => "values.0",
        _ => "mean",
    }
}

/// A number as TOML: an integer when the base was one and the value is whole (so integer
/// fields such as `first_year` stay integers), else a float.
fn number_value(value: f64, integer: bool) -> Value {
    if integer && value.fract() == 0.0 && value.abs() < 9.0e15 {
        Value::Integer(value as i64)
    } else {
        Value::Float(value)
    }
}

/// Multiplies a number, or every number of an array.
fn scale_numbers(node: &mut Value, factor: f64) {
    match node {
        Value::Integer(value) => {
            let scaled = *value as f64 * factor;
            *node = number_value(scaled, true);
        }
        Value::Float(value) => *value *= factor,
        Value::Array(values) => values
            .iter_mut()
            .for_each(|value| scale_numbers(value, factor)),
        _ => {}
    }
}

fn node_mut<'v>(root: &'v mut Value, steps: &[Step]) -> Option<&'v mut Value> {
    steps
        .iter()
        .try_fold(root, |node, step| match (node, step) {
            (Value::Table(table), Step::Key(key)) => table.get_mut(key),
            (Value::Array(array), Step::Element(index)) => array.get_mut(*index),
            _ => None,
        })
}

/// One step of a path as written: `*` or a name (a key, an id or an index).
#[derive(Debug, Clone, PartialEq)]
enum Pattern {
    Any,
    Name(String),
}

/// Splits `fabs.*.x` and `installed_base[0].x` into steps.
fn parse_path(path: &str) -> Result<Vec<Pattern>, PathError> {
    let syntax = || PathError::Syntax { path: path.into() };
    let mut patterns = Vec::new();
    for part in path.split('.') {
        let (head, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if head.is_empty() && rest.is_empty() {
            return Err(syntax());
        }
        if !head.is_empty() {
            patterns.push(if head == "*" {
                Pattern::Any
            } else {
                Pattern::Name(head.to_string())
            });
        }
        while let Some(inner) = rest.strip_prefix('[') {
            let (index, after) = inner.split_once(']').ok_or_else(syntax)?;
            if index.is_empty() {
                return Err(syntax());
            }
            patterns.push(if index == "*" {
                Pattern::Any
            } else {
                Pattern::Name(index.to_string())
            });
            rest = after;
        }
        if !rest.is_empty() {
            return Err(syntax());
        }
    }
    Ok(patterns)
}

/// The name of array element `index` in paths: its `id`, or its index.
fn element_name(element: &Value, index: usize) -> String {
    match element.get("id") {
        Some(Value::String(id)) => id.clone(),
        _ => index.to_string(),
    }
}

/// The family of a distribution table (one key naming a family), if it is one.
fn family_of(value: &Value) -> Option<&str> {
    match value {
        Value::Table(table) if table.len() == 1 => table
            .keys()
            .next()
            .map(String::as_str)
            .filter(|key| FAMILIES.iter().any(|family| family.name == *key)),
        _ => None,
    }
}

/// A matched node: where it is, and the value.
type Match<'v> = (Place, &'v Value);

fn walk<'v>(
    node: &'v Value,
    patterns: &[Pattern],
    trail: (Vec<Step>, Vec<String>),
    out: &mut Vec<Match<'v>>,
) {
    let Some((pattern, rest)) = patterns.split_first() else {
        let (steps, names) = trail;
        out.push((
            Place {
                steps,
                path: names.join("."),
            },
            node,
        ));
        return;
    };
    let mut descend = |step: Step, name: String, child: &'v Value| {
        let (mut steps, mut names) = trail.clone();
        steps.push(step);
        names.push(name);
        walk(child, rest, (steps, names), out);
    };
    match (node, pattern) {
        (Value::Table(table), Pattern::Any) => {
            for (key, child) in table {
                descend(Step::Key(key.clone()), key.clone(), child);
            }
        }
        (Value::Table(table), Pattern::Name(name)) => {
            if let Some(child) = table.get(name) {
                descend(Step::Key(name.clone()), name.clone(), child);
            }
        }
        (Value::Array(array), pattern) => {
            let by_id: Vec<usize> = match pattern {
                Pattern::Any => (0..array.len()).collect(),
                Pattern::Name(name) => {
                    let with_id: Vec<usize> = (0..array.len())
                        .filter(|&i| array[i].get("id").and_then(Value::as_str) == Some(name))
                        .collect();
                    if with_id.is_empty() {
                        name.parse::<usize>()
                            .ok()
                            .filter(|&i| i < array.len())
                            .into_iter()
                            .collect()
                    } else {
                        with_id
                    }
                }
            };
            for index in by_id {
                let element = &array[index];
                descend(Step::Element(index), element_name(element, index), element);
            }
        }
        _ => {}
    }
}

/// Every node `patterns` match in `root`.
fn matches<'v>(root: &'v Value, patterns: &[Pattern]) -> Vec<Match<'v>> {
    let mut found = Vec::new();
    walk(root, patterns, (Vec::new(), Vec::new()), &mut found);
    found
}

/// What a non-number value is, for messages.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "text",
        Value::Boolean(_) => "a true/false setting",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "a list",
        Value::Table(_) => "a table",
        Value::Integer(_) | Value::Float(_) => "a number",
    }
}

/// Every place `path` names in the scenario `root`, whatever it holds (for a change
/// file's `[set]` and `remove`).
pub(crate) fn find(root: &Value, path: &str) -> Result<Vec<Place>, PathError> {
    let patterns = parse_path(path)?;
    let found = matches(root, &patterns);
    if found.is_empty() {
        return Err(PathError::Unknown {
            path: path.into(),
            nearest: nearest(root, path, &patterns, Suggest::Any),
        });
    }
    Ok(found.into_iter().map(|(place, _)| place).collect())
}

/// As [`find`], and a path that ends in a key its tables do not have yet names that new
/// key in each of them (so `[set]` may write a field the base leaves at its default).
pub(crate) fn find_or_new(root: &Value, path: &str) -> Result<Vec<Place>, PathError> {
    let unknown = match find(root, path) {
        Ok(places) => return Ok(places),
        Err(error) => error,
    };
    if let Some((Pattern::Name(key), parents)) = parse_path(path)?.split_last() {
        let new: Vec<Place> = (matches(root, parents).into_iter())
            .filter(|(_, parent)| parent.is_table())
            .map(|(mut place, _)| {
                place.steps.push(Step::Key(key.clone()));
                place.path = [place.path.as_str(), key.as_str()]
                    .into_iter()
                    .filter(|part| !part.is_empty())
                    .collect::<Vec<_>>()
                    .join(".");
                place
            })
            .collect();
        if !new.is_empty() {
            return Ok(new);
        }
    }
    Err(unknown)
}

/// Every value `path` names in the scenario `root`, as sweep targets.
pub(crate) fn resolve(root: &Value, path: &str) -> Result<Vec<Target>, PathError> {
    let patterns = parse_path(path)?;
    if let Some(Pattern::Name(first)) = patterns.first() {
        if NOT_INPUTS.contains(&first.as_str()) {
            return Err(PathError::NotInput { path: path.into() });
        }
    }
    let mut found = matches(root, &patterns);
    found.retain(|(place, _)| {
        !matches!(place.steps.first(), Some(Step::Key(key)) if NOT_INPUTS.contains(&key.as_str()))
    });
    if found.is_empty() {
        return Err(PathError::Unknown {
            path: path.into(),
            nearest: nearest(root, path, &patterns, Suggest::Sweepable),
        });
    }
    found
        .into_iter()
        .map(|(place, value)| {
            let holds = match value {
                Value::Integer(number) => Holds::Number {
                    value: *number as f64,
                    integer: true,
                },
                Value::Float(number) => Holds::Number {
                    value: *number,
                    integer: false,
                },
                other => match family_of(other) {
                    Some(family) => Holds::Distribution {
                        family: family.to_string(),
                    },
                    None => {
                        return Err(PathError::NotNumber {
                            path: place.path,
                            what: kind_of(other),
                        })
                    }
                },
            };
            Ok(Target { place, holds })
        })
        .collect()
}

/// Which paths an unknown path's suggestions may name.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Suggest {
    /// Numbers (also inside lists and distributions) and distributions, outside the run
    /// settings: what a sweep may vary.
    Sweepable,
    /// Every table, entry and value.
    Any,
}

/// Every path of `root` that `suggest` allows, as its display steps.
fn paths_of(root: &Value, suggest: Suggest) -> Vec<Vec<String>> {
    fn visit(node: &Value, suggest: Suggest, trail: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        let kept = match suggest {
            Suggest::Any => !trail.is_empty(),
            Suggest::Sweepable => node.is_integer() || node.is_float() || family_of(node).is_some(),
        };
        if kept {
            out.push(trail.clone());
        }
        match node {
            Value::Table(table) => {
                for (key, child) in table {
                    if suggest == Suggest::Sweepable
                        && trail.is_empty()
                        && NOT_INPUTS.contains(&key.as_str())
                    {
                        continue;
                    }
                    trail.push(key.clone());
                    visit(child, suggest, trail, out);
                    trail.pop();
                }
            }
            Value::Array(array) => {
                for (index, element) in array.iter().enumerate() {
                    trail.push(element_name(element, index));
                    visit(element, suggest, trail, out);
                    trail.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    visit(root, suggest, &mut Vec::new(), &mut out);
    out
}

/// The paths nearest to `path` by edit distance among those `suggest` allows; where
/// `path` has `*`, the candidates have it too, so `fabs.*.wafer_starts` suggests
/// `fabs.*.wafer_starts_per_week`.
fn nearest(root: &Value, path: &str, patterns: &[Pattern], suggest: Suggest) -> Vec<String> {
    let candidates: BTreeSet<String> = paths_of(root, suggest)
        .into_iter()
        .map(|mut steps| {
            if steps.len() == patterns.len() {
                for (step, pattern) in steps.iter_mut().zip(patterns) {
                    if *pattern == Pattern::Any {
                        *step = "*".into();
                    }
                }
            }
            steps.join(".")
        })
        .collect();
    let mut scored: Vec<(usize, String)> = candidates
        .into_iter()
        .map(|candidate| (crate::scenario::edit_distance(path, &candidate), candidate))
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(NEAREST_LISTED)
        .map(|(_, candidate)| format!("`{candidate}`"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario() -> Value {
        toml::from_str(
            r#"
            seed = 3
            [power]
            pue = 1.3
            [[fabs]]
            id = "a"
            region = "taiwan"
            wafer_starts_per_week = 100
            cycle_time_days = { triangular = { min = 70, mode = 80, max = 100 } }
            yield = { beta = { mean = 0.6, sd = 0.1 } }
            [[fabs]]
            id = "b"
            region = "korea"
            wafer_starts_per_week = 200.5
            cycle_time_days = 90
            yield = 0.9
            [[installed_base]]
            region = "us"
            accelerators = 10
            "#,
        )
        .expect("toml")
    }

    fn paths(targets: &[Target]) -> Vec<&str> {
        targets.iter().map(|t| t.place.path.as_str()).collect()
    }

    #[test]
    fn ids_indices_and_wildcards_resolve() {
        let root = scenario();
        let all = resolve(&root, "fabs.*.wafer_starts_per_week").expect("resolve");
        assert_eq!(
            paths(&all),
            [
                "fabs.a.wafer_starts_per_week",
                "fabs.b.wafer_starts_per_week"
            ]
        );
        assert_eq!(all[1].number(), Some(200.5));
        for path in [
            "installed_base.0.accelerators",
            "installed_base[0].accelerators",
        ] {
            let found = resolve(&root, path).expect("resolve");
            assert_eq!(paths(&found), ["installed_base.0.accelerators"]);
        }
        let power = resolve(&root, "power.*").expect("resolve");
        assert_eq!(paths(&power), ["power.pue"]);
    }

    #[test]
    fn unknown_paths_suggest_the_nearest() {
        let root = scenario();
        let error = resolve(&root, "fabs.*.wafer_start_per_week").expect_err("unknown");
        let PathError::Unknown { nearest, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!(nearest[0], "`fabs.*.wafer_starts_per_week`");
        let error = resolve(&root, "powr.pue").expect_err("unknown");
        assert!(error.to_string().contains("`power.pue`"), "{error}");
        assert!(matches!(
            resolve(&root, "seed"),
            Err(PathError::NotInput { .. })
        ));
        assert!(matches!(
            resolve(&root, "fabs.a.region"),
            Err(PathError::NotNumber { what: "text", .. })
        ));
        for bad in ["", "a..b", "fabs[0", "fabs[]"] {
            assert!(
                matches!(resolve(&root, bad), Err(PathError::Syntax { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn values_and_multipliers_are_written_in_place() {
        let mut root = scenario();
        let cycle = resolve(&root, "fabs.*.cycle_time_days").expect("resolve");
        assert!(cycle[0].check_settable().is_err());
        for target in &cycle {
            target.check_scalable().expect("scalable");
            target.scale(&mut root, 1.5);
        }
        let starts = resolve(&root, "fabs.a.wafer_starts_per_week").expect("resolve");
        starts[0].set(&mut root, 150.0);
        let text = toml::to_string(&root).expect("serialise");
        let back: Value = toml::from_str(&text).expect("parse");
        let fab = |i: usize| &back["fabs"][i];
        let triangular = &fab(0)["cycle_time_days"]["triangular"];
        assert_eq!(
            triangular["mode"].as_integer(),
            Some(120),
            "whole numbers stay integers"
        );
        assert_eq!(triangular["max"].as_integer(), Some(150));
        assert_eq!(fab(1)["cycle_time_days"].as_integer(), Some(135));
        assert_eq!(fab(0)["wafer_starts_per_week"].as_integer(), Some(150));
        let beta = resolve(&root, "fabs.a.yield").expect("resolve");
        assert!(matches!(
            beta[0].check_scalable(),
            Err(PathError::NotScalable { .. })
        ));
    }
}
