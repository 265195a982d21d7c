//! `chipsim run`: a batch of replications of a scenario into `outputs/<scenario>/`.
//!
//! Each flag is read and range-checked by [`super::flags`]; the options as a whole by
//! [`RunOptions::validate`] (a usage error, exit 2, naming the flag). The scenario is
//! turned into a [`Replicator`] and [`run_with`] runs the batch through
//! [`chipsim::runner::run_batch`], with a progress bar on a terminal; Ctrl-C and
//! SIGTERM keep the completed replications (see [`super::signals`]). A complete run
//! ends with its headline metrics, mean and 95 % CI, in a small table (not with
//! `--quiet`).

use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use chipsim::output::{check_output_folder, FolderKind, Status};
use chipsim::replication::Replicator;
use chipsim::runner::{run_batch, Precision, Progress, RunControl, RunError, RunOptions};
use chipsim::scenario::Scenario;

use chipsim::report::{interval, readable};

use super::flags::{positive, whole, BatchFlags, Flag};
use super::table::{terminal_width, Align, TextTable};
use super::{progress, signals, usage_error};

/// The most replications `--precision` adds without `--max-reps`.
const DEFAULT_MAX_REPS: u64 = 10_000;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML). Default: the baseline (configs/baseline.toml, built in).
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub batch: BatchFlags,
    /// Add replications (100 at a time) until the 95 % CI half-width of every headline
    /// metric is at most P × |mean|, P > 0 (e.g. 0.01 for ±1 %).
    #[arg(long, value_name = "P", conflicts_with_all = ["shard", "reps"],
          value_parser = Flag(positive), allow_negative_numbers = true)]
    pub precision: Option<f64>,
    /// With --precision: stop after M replications even if the target is not met,
    /// M ≥ 2. Default: 10000.
    #[arg(long, value_name = "M", requires = "precision", value_parser = Flag(whole::<2>),
          allow_negative_numbers = true)]
    pub max_reps: Option<u64>,
    /// After a complete run, draw SVG and PNG charts into OUT/plots (as `chipsim plot`).
    #[arg(long)]
    pub plots: bool,
    /// After a complete run, write the tables as one workbook, OUT/results.xlsx.
    #[arg(long)]
    pub xlsx: bool,
}

/// The run options of `args`, with the scenario's own replications and seed as the
/// defaults; the options as a whole checked (usage error, exit 2, on a bad one). A
/// shard index is checked against the file's replication count, not the built-in one.
fn checked_options(args: &RunArgs, scenario: &Scenario, out_dir: PathBuf) -> RunOptions {
    let options = RunOptions {
        replications: args.batch.replications(scenario.replications),
        base_seed: args.batch.base_seed(scenario.seed),
        threads: args.batch.threads(),
        shard: args.batch.shard,
        precision: args.precision.map(|relative_half_width| Precision {
            relative_half_width,
            max_replications: args.max_reps.unwrap_or(DEFAULT_MAX_REPS),
        }),
        out_dir,
        config_text: scenario.text.clone(),
    };
    match options.validate() {
        Err(RunError::InvalidOption { option, message }) => {
            usage_error(format!("--{option}: {message}"))
        }
        _ => options,
    }
}

/// `chipsim run`: loads the scenario (the embedded baseline when no CONFIG is given),
/// says what it warns of, and runs it.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let scenario = match &args.config {
        Some(path) => chipsim::scenario::load(path)?,
        None => chipsim::scenario::baseline()?,
    };
    super::warn(&scenario);
    let out_dir = match &args.batch.out {
        Some(out) => out.clone(),
        None => default_out_dir(&scenario.world.name)?,
    };
    check_output_folder(&out_dir, FolderKind::Run, &args.config)?;
    let options = checked_options(&args, &scenario, out_dir);
    let model = chipsim::model::ScenarioModel::new(scenario.world);
    run_with(&model, options, &args)
}

/// The default output folder `outputs/<scenario>`, if the name is one plain folder name.
fn default_out_dir(scenario: &str) -> anyhow::Result<PathBuf> {
    let mut components = Path::new(scenario).components();
    match (components.next(), components.next()) {
        (Some(Component::Normal(name)), None) if !scenario.contains(['/', '\\']) => {
            Ok(Path::new("outputs").join(name))
        }
        _ => anyhow::bail!(
            "the scenario name `{scenario}` is not a plain folder name; choose the output folder with --out"
        ),
    }
}

/// Runs the batch of `replicator` as `options` say. Exit code 0 when complete, 130 or
/// 143 when interrupted.
fn run_with(
    replicator: &dyn Replicator,
    options: RunOptions,
    args: &RunArgs,
) -> anyhow::Result<ExitCode> {
    signals::install(signals::Outputs::KeepCompleted)?;
    let bar = progress::bar(args.batch.quiet, "replications");
    let report = |done: Progress| progress::show(&bar, done);
    let control = RunControl {
        cancel: Some(signals::stop_flag()),
        progress: bar.as_ref().map(|_| &report as &dyn Fn(Progress)),
    };
    let result = run_batch(replicator, &options, &control);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(RunError::NothingCompleted) => {
            note!("{}", RunError::NothingCompleted);
            return Ok(signals::interrupted().unwrap_or(ExitCode::FAILURE));
        }
        Err(error) => {
            return Err(error).with_context(|| format!("run into {}", options.out_dir.display()))
        }
    };
    if !args.batch.quiet {
        note!(
            "{} replications ({}, {}) in {:.1} s → {}",
            outcome.completed,
            outcome.status.label(),
            outcome.stop_rule.label(),
            outcome.wall_seconds,
            outcome.out_dir.display()
        );
    }
    if outcome.status == Status::Complete {
        if !args.batch.quiet {
            headline_table(&outcome.out_dir)?;
        }
        let exports = super::plot::Exports {
            plots: args.plots,
            xlsx: args.xlsx,
            quiet: args.batch.quiet,
        };
        exports.write(&outcome.out_dir)?;
    }
    Ok(match outcome.status {
        Status::Complete => ExitCode::SUCCESS,
        Status::Interrupted => signals::interrupted().unwrap_or(ExitCode::FAILURE),
    })
}

/// The headline metrics of the run in `dir`, mean and 95 % CI, as an aligned table.
fn headline_table(dir: &Path) -> anyhow::Result<()> {
    let rows = chipsim::report::headline_metrics(dir)?;
    let mut table = TextTable::new(&[
        ("headline metric", Align::Left),
        ("unit", Align::Left),
        ("mean", Align::Right),
        ("95 % CI", Align::Right),
    ]);
    for row in rows {
        table.row(vec![
            row.label,
            row.unit,
            readable(row.mean),
            interval(row.ci95_low, row.ci95_high),
        ]);
    }
    for line in table.lines(terminal_width()) {
        out!("{line}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_out_dir_accepts_only_plain_names() {
        assert_eq!(
            default_out_dir("baseline").ok(),
            Some(PathBuf::from("outputs/baseline"))
        );
        for bad in ["", "..", ".", "a/b", "/etc", "a\\b"] {
            assert!(default_out_dir(bad).is_err(), "{bad:?}");
        }
    }
}
