//! The optimisation problem: a checked `[optimize]` section bound to its base
//! scenario. Loading resolves every investment's paths to the values it steps (the
//! sweep's path syntax and checks), finds the objective metric, and checks that each
//! investment alone, at the most steps any evaluation may give it, still makes a valid
//! scenario, so a bad step fails before hours of search. An allocation (steps bought per
//! investment) becomes a scenario by adding `steps × step` to each matched value.

use std::path::Path;

use chrono::NaiveDate;

use crate::model::ScenarioModel;
use crate::output::config_hash;
use crate::replication::{MetricDef, OutputLayout};
use crate::scenario::locate::FieldPath;
use crate::scenario::{self, Scenario, ScenarioError, MAX_FILE_BYTES};
use crate::sweep::{nearest_metrics, resolve, Target};

use super::spec::{self, investment_field, Investment, OptimizeSpec};
use super::OptimizeError;

/// Top-level keys of the scenario TOML that are studies of it, not part of it: left out
/// of every allocation's scenario and of `best.toml`.
const STUDY_SECTIONS: [&str; 2] = ["sweep", "optimize"];

/// A checked `[optimize]` section bound to its base scenario.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The file the section came from.
    pub source: String,
    /// The base scenario.
    pub base: Scenario,
    /// The checked section.
    pub spec: OptimizeSpec,
    base_value: toml::Value,
    /// Per investment, the values it steps.
    targets: Vec<Vec<Target>>,
    layout: OutputLayout,
    metric: usize,
    pub(crate) config_hash: String,
    pub(crate) base_config_hash: String,
}

/// Reads a file of at most [`MAX_FILE_BYTES`].
fn read_text(path: &Path) -> Result<String, OptimizeError> {
    let file = path.display().to_string();
    let read = |source| OptimizeError::Read {
        file: file.clone(),
        source,
    };
    let bytes = path.metadata().map_err(read)?.len();
    if bytes > MAX_FILE_BYTES {
        return Err(read(std::io::Error::other(format!(
            "the file is {bytes} bytes; at most {MAX_FILE_BYTES} are allowed"
        ))));
    }
    std::fs::read_to_string(path).map_err(read)
}

impl Problem {
    /// Reads the optimisation at `path`: a scenario with an `[optimize]` section, or a
    /// file holding only `base = "<scenario>.toml"` (relative to it) and `[optimize]`.
    pub fn load(path: &Path) -> Result<Problem, OptimizeError> {
        let file = path.display().to_string();
        let text = read_text(path)?;
        let section = spec::read_file(&text, &file)?;
        let base = match &section.base {
            Some(base) => {
                let table: toml::Table = toml::from_str(&text).unwrap_or_default();
                if let Some(key) = table
                    .keys()
                    .find(|key| !["base", "optimize"].contains(&key.as_str()))
                {
                    return Err(OptimizeError::invalid(
                        &text,
                        &file,
                        &FieldPath::root(key),
                        "an optimisation file holds only `base` and [optimize]; scenario fields \
                         belong in the base scenario"
                            .into(),
                    ));
                }
                scenario::load(&path.parent().unwrap_or(Path::new("")).join(base))?
            }
            None => scenario::parse(&text, &file)?,
        };
        let raw = section
            .optimize
            .ok_or(OptimizeError::NoSection { file: file.clone() })?;
        let spec = spec::check(&raw, &text, &file)?;
        Problem::bind(file, &text, base, spec)
    }

    /// Binds a checked section (from `text`) to its base scenario.
    fn bind(
        source: String,
        text: &str,
        base: Scenario,
        spec: OptimizeSpec,
    ) -> Result<Problem, OptimizeError> {
        let invalid = |field: FieldPath, message: String| {
            OptimizeError::invalid(text, &source, &field, message)
        };
        let mut base_value: toml::Value =
            toml::from_str(&base.text).map_err(|error| OptimizeError::Parse {
                file: base.source.clone(),
                line: 0,
                field: String::new(),
                message: error.message().to_string(),
            })?;
        if let toml::Value::Table(table) = &mut base_value {
            table.retain(|key, _| !STUDY_SECTIONS.contains(&key));
        }
        let mut targets: Vec<Vec<Target>> = Vec::with_capacity(spec.investments.len());
        for (index, investment) in spec.investments.iter().enumerate() {
            let field = investment_field(index);
            let mut found: Vec<Target> = Vec::new();
            for written in &investment.paths {
                let mut matched = resolve(&base_value, written)
                    .and_then(|matched| {
                        matched.iter().try_for_each(Target::check_settable)?;
                        Ok(matched)
                    })
                    .map_err(|error| invalid(field.key("path"), error.to_string()))?;
                if let Some(from) = investment.from {
                    matched.retain(|t| dated_from(t, &base_value, base.world.start, from));
                }
                for target in matched {
                    let earlier = (targets.iter().enumerate())
                        .find(|(_, earlier)| {
                            earlier.iter().any(|t| t.place.path == target.place.path)
                        })
                        .map(|(other, _)| format!("investment `{}`", spec.investments[other].name));
                    let twice = found.iter().any(|t| t.place.path == target.place.path);
                    if let Some(owner) = earlier.or(twice.then(|| "another of its paths".into())) {
                        return Err(invalid(
                            field.key("path"),
                            format!(
                                "`{}` is also stepped by {owner}: each value may belong to one \
                                 investment",
                                target.place.path
                            ),
                        ));
                    }
                    found.push(target);
                }
            }
            if let (Some(from), true) = (investment.from, found.is_empty()) {
                return Err(invalid(
                    field.key("from"),
                    format!(
                        "no value the path matches is dated on or after {from}: `from` selects \
                         capacity schedule points (…capacity_schedule.*.per_week) by their \
                         `date`; an undated value counts as dated at the start, {}",
                        base.world.start
                    ),
                ));
            }
            targets.push(found);
        }
        let layout = base.world.layout();
        let metric = (layout.metrics.iter())
            .position(|m| m.name == spec.objective.metric)
            .ok_or_else(|| {
                invalid(
                    FieldPath::root("optimize").key("objective").key("metric"),
                    format!(
                        "the scenario has no metric `{}`; nearest: {}",
                        spec.objective.metric,
                        nearest_metrics(&layout, &spec.objective.metric)
                    ),
                )
            })?;
        let problem = Problem {
            config_hash: config_hash(text),
            base_config_hash: config_hash(&base.text),
            source,
            base,
            spec,
            base_value,
            targets,
            layout,
            metric,
        };
        for index in 0..problem.spec.investments.len() {
            let mut steps = vec![0; problem.spec.investments.len()];
            steps[index] = problem.reach(index);
            problem.scenario_at(&steps).map_err(|error| {
                OptimizeError::invalid(
                    text,
                    &problem.source,
                    &investment_field(index).key("step"),
                    format!(
                        "{} steps, the most an evaluation may buy, make the scenario invalid \
                         ({error}): set `max_steps`, or a smaller step",
                        steps[index]
                    ),
                )
            })?;
        }
        Ok(problem)
    }

    /// The base scenario's output layout.
    pub fn layout(&self) -> &OutputLayout {
        &self.layout
    }

    /// The objective metric.
    pub fn metric(&self) -> &MetricDef {
        &self.layout.metrics[self.metric]
    }

    /// The objective metric's index in the layout.
    pub(crate) fn metric_index(&self) -> usize {
        self.metric
    }

    /// The investments, in the file's order.
    pub fn investments(&self) -> &[Investment] {
        &self.spec.investments
    }

    /// Every value investment `index` steps, as canonical paths.
    pub fn targets(&self, index: usize) -> Vec<&str> {
        self.targets[index]
            .iter()
            .map(|t| t.place.path.as_str())
            .collect()
    }

    /// The most steps of investment `index` any evaluation may hold: its `max_steps`,
    /// else one more than the budget affords (the marginal value of the next step is
    /// measured beyond the budget).
    pub fn reach(&self, index: usize) -> u32 {
        self.spec.investments[index]
            .max_steps
            .unwrap_or_else(|| self.spec.limit(index).saturating_add(1))
    }

    /// The allocation in words, e.g. `CoWoS × 3, HBM × 1`, for messages.
    pub fn describe(&self, steps: &[u32]) -> String {
        let bought: Vec<String> = (self.spec.investments.iter().zip(steps))
            .filter(|(_, &count)| count > 0)
            .map(|(investment, count)| format!("{} × {count}", investment.name))
            .collect();
        if bought.is_empty() {
            "no investment".into()
        } else {
            bought.join(", ")
        }
    }

    /// The base scenario's TOML with `steps` applied.
    fn value_at(&self, steps: &[u32]) -> toml::Value {
        let mut value = self.base_value.clone();
        for ((investment, targets), &count) in
            (self.spec.investments.iter().zip(&self.targets)).zip(steps)
        {
            if count == 0 {
                continue;
            }
            for target in targets {
                let base = target.number().unwrap_or(0.0);
                target.set(&mut value, base + f64::from(count) * investment.step);
            }
        }
        value
    }

    /// The scenario of allocation `steps`, checked like any scenario file.
    pub fn scenario_at(&self, steps: &[u32]) -> Result<Scenario, OptimizeError> {
        let failed = |message: String| OptimizeError::Allocation {
            allocation: self.describe(steps),
            message,
        };
        let text =
            toml::to_string(&self.value_at(steps)).map_err(|error| failed(error.to_string()))?;
        let scenario = scenario::parse(&text, &self.base.source).map_err(|error| match error {
            ScenarioError::Parse { field, message, .. } => failed(format!("{field}{message}")),
            ScenarioError::Invalid { field, message, .. } => failed(format!("{field}: {message}")),
            other => failed(other.to_string()),
        })?;
        let names = |layout: &OutputLayout| -> Vec<String> {
            layout.metrics.iter().map(|m| m.name.clone()).collect()
        };
        if names(&scenario.world.layout()) != names(&self.layout) {
            return Err(failed(
                "it reports other metrics than the base scenario, so allocations cannot be \
                 compared"
                    .into(),
            ));
        }
        Ok(scenario)
    }

    /// The model of allocation `steps`.
    pub fn model_at(&self, steps: &[u32]) -> Result<ScenarioModel, OptimizeError> {
        self.scenario_at(steps)
            .map(|scenario| ScenarioModel::new(scenario.world))
    }

    /// `best.toml`: the base scenario with `steps` applied, named `<base>-optimum`, led
    /// by a comment saying what was added.
    pub fn best_toml(&self, steps: &[u32]) -> Result<String, OptimizeError> {
        let mut value = self.value_at(steps);
        if let Some(toml::Value::String(name)) = value.get_mut("name") {
            name.push_str("-optimum");
        }
        let body = toml::to_string(&value).map_err(|error| OptimizeError::Allocation {
            allocation: self.describe(steps),
            message: error.to_string(),
        })?;
        let mut text = format!(
            "# {} with the optimum of {} applied by `chipsim optimize`: {}.\n",
            self.base.source,
            self.source,
            self.describe(steps)
        );
        for ((investment, targets), &count) in
            (self.spec.investments.iter().zip(&self.targets)).zip(steps)
        {
            if count > 0 {
                let added = f64::from(count) * investment.step;
                for target in targets {
                    text.push_str(&format!("#   {} {added:+}\n", target.place.path));
                }
            }
        }
        text.push('\n');
        text.push_str(&body);
        Ok(text)
    }
}

/// Whether `target` is dated on or after `from`: by the `date` beside it (a capacity
/// schedule point), else at the scenario's `start`.
fn dated_from(target: &Target, root: &toml::Value, start: NaiveDate, from: NaiveDate) -> bool {
    let date = match target.sibling(root, "date") {
        Some(toml::Value::Datetime(datetime)) => datetime.date.and_then(|date| {
            NaiveDate::from_ymd_opt(
                i32::from(date.year),
                u32::from(date.month),
                u32::from(date.day),
            )
        }),
        _ => None,
    };
    date.unwrap_or(start) >= from
}
