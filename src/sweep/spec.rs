//! The `[sweep]` section as written, and its checks: which design, which parameters
//! with which values or ranges, which metrics. Paths are checked against the base
//! scenario later (see [`crate::scenario::path`]), because they depend on it.

use serde::{Deserialize, Serialize};

use crate::scenario::locate::FieldPath;
use crate::scenario::ScenarioError;

use super::SweepError;

/// The most design points a sweep may have.
pub const MAX_POINTS: u64 = 100_000;
/// Levels of a grid range parameter without `levels`.
pub(super) const DEFAULT_GRID_LEVELS: u64 = 3;
/// Morris levels p without `levels`.
pub(super) const DEFAULT_MORRIS_LEVELS: u64 = 4;
/// Morris trajectories r without `trajectories`.
pub(super) const DEFAULT_TRAJECTORIES: u64 = 10;
/// Most levels of a grid parameter or of Morris.
pub(super) const MAX_LEVELS: u64 = 1000;
/// Columns of `sweep_points.csv` that a parameter name may not take.
pub(crate) const RESERVED_COLUMNS: [&str; 8] = [
    "point",
    "metric",
    "unit",
    "n",
    "mean",
    "std",
    "ci95_low",
    "ci95_high",
];

/// The design's kind as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    OneAtATime,
    Grid,
    LatinHypercube,
    Morris,
}

/// `[sweep]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSweep {
    /// `"one_at_a_time"` (default), `"grid"`, `"latin_hypercube"` or `"morris"`.
    #[serde(default)]
    design: Option<Kind>,
    /// Metrics to analyse (default: the headline metrics).
    #[serde(default)]
    metrics: Option<Vec<String>>,
    /// Replications per design point (default: the scenario's `replications`, else 100).
    #[serde(default)]
    replications: Option<u64>,
    /// Latin hypercube: number of points.
    #[serde(default)]
    points: Option<u64>,
    /// Grid: levels of each range parameter; Morris: the grid levels p (even).
    #[serde(default)]
    levels: Option<u64>,
    /// Morris: trajectories r.
    #[serde(default)]
    trajectories: Option<u64>,
    /// What to vary.
    parameters: Vec<RawParameter>,
}

/// `path = "a.b"`, or `path = ["a.b", "c.d"]` for values that move together.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Paths(pub(crate) Vec<String>);

impl<'de> Deserialize<'de> for Paths {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PathsVisitor;
        impl<'de> serde::de::Visitor<'de> for PathsVisitor {
            type Value = Paths;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a path such as \"power.pue\", or a list of paths")
            }
            fn visit_str<E: serde::de::Error>(self, path: &str) -> Result<Paths, E> {
                Ok(Paths(vec![path.to_string()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Paths, A::Error> {
                let mut paths = Vec::new();
                while let Some(path) = seq.next_element::<String>()? {
                    paths.push(path);
                }
                Ok(Paths(paths))
            }
        }
        deserializer.deserialize_any(PathsVisitor)
    }
}

/// `[[sweep.parameters]]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParameter {
    /// Path into the scenario, e.g. `fabs.*.wafer_starts_per_week`, or a list of paths.
    path: Paths,
    /// Column and row label (default: the path).
    #[serde(default)]
    name: Option<String>,
    /// Explicit values.
    #[serde(default)]
    values: Option<Vec<f64>>,
    /// Range, lower end.
    #[serde(default)]
    low: Option<f64>,
    /// Range, upper end.
    #[serde(default)]
    high: Option<f64>,
    /// Multiplier range of the base value.
    #[serde(default)]
    scale: Option<[f64; 2]>,
}

/// The file's top level, read only for `base` and `[sweep]` (other keys are the
/// scenario's, checked by the scenario parser).
#[derive(Debug, Deserialize)]
pub(crate) struct SweepSection {
    /// In a sweep file: the base scenario, relative to the sweep file.
    #[serde(default)]
    pub(crate) base: Option<String>,
    /// The sweep.
    #[serde(default)]
    pub(crate) sweep: Option<RawSweep>,
}

/// A design and its settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DesignSpec {
    /// The base point, then each parameter at each of its values (or its low and high
    /// ends) with the others at base: a tornado.
    OneAtATime,
    /// Every combination of the parameters' values (a range gives `levels` evenly
    /// spaced values, ends included).
    Grid {
        /// Values of each range parameter.
        levels: u64,
    },
    /// `points` points; each parameter's range is cut into `points` equal strata, each
    /// holding one point.
    LatinHypercube {
        /// Design points.
        points: u64,
    },
    /// Morris elementary effects: `trajectories` one-at-a-time walks on a grid of
    /// `levels` values per parameter.
    Morris {
        /// r.
        trajectories: u64,
        /// p, even.
        levels: u64,
    },
}

/// What a parameter's coordinate means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Setting {
    /// The value written at the path.
    Value,
    /// A multiplier of the base value (or of the distribution) at the path.
    Scale,
}

impl Setting {
    /// Its label in CSV files.
    pub fn label(self) -> &'static str {
        match self {
            Setting::Value => "value",
            Setting::Scale => "scale",
        }
    }
}

/// The values a parameter takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Levels {
    /// Exactly these.
    List(Vec<f64>),
    /// Anywhere in `[low, high]`, low < high.
    Range {
        /// Lower end.
        low: f64,
        /// Upper end.
        high: f64,
    },
}

/// One checked parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterSpec {
    /// Label (unique).
    pub name: String,
    /// Paths as written (one or more; all move together).
    pub paths: Vec<String>,
    /// Value or multiplier.
    pub setting: Setting,
    /// Its values.
    pub levels: Levels,
}

/// A checked `[sweep]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    /// The design.
    pub design: DesignSpec,
    /// Metrics to analyse, when given.
    pub metrics: Option<Vec<String>>,
    /// Replications per point, when given.
    pub replications: Option<u64>,
    /// What to vary.
    pub parameters: Vec<ParameterSpec>,
}

/// Reads `base` and `[sweep]` from `text`, with errors located in the file.
pub(crate) fn read_section(text: &str, file: &str) -> Result<SweepSection, SweepError> {
    toml::from_str(text).map_err(|error| ScenarioError::parse(text, file, &error).into())
}

/// `sweep.parameters[index]`, for messages.
pub(crate) fn parameter_field(index: usize) -> FieldPath {
    FieldPath::root("sweep").key("parameters").index(index)
}

/// Checks `raw`; errors name the field and its line in `text`.
pub(crate) fn check(raw: &RawSweep, text: &str, file: &str) -> Result<SweepSpec, SweepError> {
    let invalid =
        |field: FieldPath, message: String| SweepError::invalid(text, file, &field, message);
    let sweep = FieldPath::root("sweep");
    let kind = raw.design.unwrap_or(Kind::OneAtATime);
    let allowed = |key: &str, value: Option<u64>, kinds: &[Kind], what: &str| match value {
        Some(_) if !kinds.contains(&kind) => Err(invalid(
            sweep.key(key),
            format!("applies only to design {what}, not to this design"),
        )),
        _ => Ok(()),
    };
    allowed(
        "points",
        raw.points,
        &[Kind::LatinHypercube],
        "\"latin_hypercube\"",
    )?;
    allowed(
        "trajectories",
        raw.trajectories,
        &[Kind::Morris],
        "\"morris\"",
    )?;
    allowed(
        "levels",
        raw.levels,
        &[Kind::Grid, Kind::Morris],
        "\"grid\" or \"morris\"",
    )?;
    let in_range = |key: &str, value: u64, low: u64, high: u64| {
        if (low..=high).contains(&value) {
            Ok(value)
        } else {
            Err(invalid(
                sweep.key(key),
                format!("must be {low} to {high}, got {value}"),
            ))
        }
    };
    let design = match kind {
        Kind::OneAtATime => DesignSpec::OneAtATime,
        Kind::Grid => DesignSpec::Grid {
            levels: in_range("levels", raw.levels.unwrap_or(DEFAULT_GRID_LEVELS), 2, MAX_LEVELS)?,
        },
        Kind::LatinHypercube => DesignSpec::LatinHypercube {
            points: match raw.points {
                Some(points) => in_range("points", points, 2, MAX_POINTS)?,
                None => {
                    return Err(invalid(
                        sweep.key("design"),
                        format!("a latin_hypercube needs `points`, the number of design points (2 to {MAX_POINTS})"),
                    ))
                }
            },
        },
        Kind::Morris => {
            let levels = in_range("levels", raw.levels.unwrap_or(DEFAULT_MORRIS_LEVELS), 2, MAX_LEVELS)?;
            if levels % 2 != 0 {
                return Err(invalid(
                    sweep.key("levels"),
                    format!("Morris levels must be even (so every level is visited equally often), got {levels}"),
                ));
            }
            DesignSpec::Morris {
                trajectories: in_range(
                    "trajectories",
                    raw.trajectories.unwrap_or(DEFAULT_TRAJECTORIES),
                    2,
                    MAX_POINTS,
                )?,
                levels,
            }
        }
    };
    if let Some(replications) = raw.replications {
        in_range("replications", replications, 1, 10_000_000)?;
    }
    if let Some(metrics) = &raw.metrics {
        if metrics.is_empty() {
            return Err(invalid(
                sweep.key("metrics"),
                "must name at least one metric (or be left out for the headline metrics)".into(),
            ));
        }
        if let Some(twice) = (1..metrics.len()).find(|&i| metrics[..i].contains(&metrics[i])) {
            return Err(invalid(
                sweep.key("metrics"),
                format!("`{}` is listed twice", metrics[twice]),
            ));
        }
    }
    if raw.parameters.is_empty() {
        return Err(invalid(
            sweep.key("parameters"),
            "must list at least one parameter ([[sweep.parameters]] with a path)".into(),
        ));
    }
    let mut parameters: Vec<ParameterSpec> = Vec::with_capacity(raw.parameters.len());
    for (index, parameter) in raw.parameters.iter().enumerate() {
        let field = parameter_field(index);
        let checked = check_parameter(parameter, kind)
            .map_err(|(key, message)| invalid(field.key(key), message))?;
        if parameters.iter().any(|p| p.name == checked.name) {
            return Err(invalid(
                field.key("name"),
                format!(
                    "two parameters are named `{}`: give each a unique `name`",
                    checked.name
                ),
            ));
        }
        parameters.push(checked);
    }
    Ok(SweepSpec {
        design,
        metrics: raw.metrics.clone(),
        replications: raw.replications,
        parameters,
    })
}

/// Checks one parameter; the error names the key at fault.
fn check_parameter(
    raw: &RawParameter,
    kind: Kind,
) -> Result<ParameterSpec, (&'static str, String)> {
    let paths = raw.path.0.clone();
    if paths.is_empty() {
        return Err(("path", "must name at least one path".into()));
    }
    let name = raw.name.clone().unwrap_or_else(|| paths.join(" + "));
    if name.trim().is_empty() {
        return Err(("name", "must not be empty".into()));
    }
    if RESERVED_COLUMNS.contains(&name.as_str()) {
        return Err((
            "name",
            format!("`{name}` is a column of sweep_points.csv: choose another name"),
        ));
    }
    let finite = |key: &'static str, value: f64| {
        if value.is_finite() {
            Ok(value)
        } else {
            Err((key, format!("must be a finite number, got {value}")))
        }
    };
    let range = |key: &'static str, low: f64, high: f64| {
        let (low, high) = (finite(key, low)?, finite(key, high)?);
        if low < high {
            Ok(Levels::Range { low, high })
        } else {
            Err((key, format!("needs low < high, got {low} and {high}")))
        }
    };
    let (setting, levels) = match (&raw.values, raw.low, raw.high, raw.scale) {
        (Some(values), None, None, None) => {
            if values.is_empty() {
                return Err(("values", "must list at least one value".into()));
            }
            for &value in values {
                finite("values", value)?;
            }
            if matches!(kind, Kind::LatinHypercube | Kind::Morris) {
                return Err((
                    "values",
                    "a latin_hypercube or morris design samples a range: give `low` and `high`, or `scale`".into(),
                ));
            }
            (Setting::Value, Levels::List(values.clone()))
        }
        (None, Some(low), Some(high), None) => (Setting::Value, range("low", low, high)?),
        (None, None, None, Some([low, high])) => (Setting::Scale, range("scale", low, high)?),
        (None, Some(_), None, None) => return Err(("low", "needs `high` too".into())),
        (None, None, Some(_), None) => return Err(("high", "needs `low` too".into())),
        (None, None, None, None) => {
            return Err((
                "path",
                "needs `values = [...]`, `low` and `high`, or `scale = [low, high]`".into(),
            ))
        }
        _ => {
            return Err((
                "path",
                "give exactly one of `values`, `low`/`high` or `scale`".into(),
            ))
        }
    };
    Ok(ParameterSpec {
        name,
        paths,
        setting,
        levels,
    })
}
