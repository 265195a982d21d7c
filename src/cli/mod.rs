//! The command line: one file per subcommand, each a thin layer over the library, and
//! what they share: [`flags`] (numbers, the batch flags of `run` and `sweep`, defaults),
//! [`signals`] (Ctrl-C and SIGTERM) and [`progress`] (the progress bar). Every error
//! and warning is printed through [`chipsim::scenario::printable`], so text from a
//! file or an argument cannot drive the terminal.
//!
//! To add a subcommand: a file with its `Args` struct and a `run` function, a `mod`
//! line and a variant of [`Command`] below, and its arm in [`main`].

/// Writes a line to standard output, made printable (see
/// [`chipsim::scenario::printable`]), returning an error instead of
/// panicking when the reader has gone (`chipsim check x | head -1`).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let line = format!($($arg)*);
        writeln!(std::io::stdout(), "{}", chipsim::scenario::printable::printable(&line))?
    }};
}

/// Writes a line to standard error, made printable like [`out!`].
macro_rules! note {
    ($($arg:tt)*) => {{
        let line = format!($($arg)*);
        eprintln!("{}", chipsim::scenario::printable::printable(&line))
    }};
}

mod bench;
mod check;
mod compare;
mod completions;
mod flags;
mod merge;
mod metrics;
mod new;
mod optimize;
mod plot;
mod progress;
mod report;
mod run;
mod schema;
mod signals;
mod sweep;
mod table;
mod trace;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Discrete-event Monte Carlo simulator of the AI-chip supply chain.
#[derive(Debug, Parser)]
#[command(name = "chipsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse and validate a scenario; print what it resolved to.
    Check(check::CheckArgs),
    /// Kernel benchmarks against queueing theory (M/M/c and tandem lines).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Run a batch of replications of a scenario into outputs/<scenario>/.
    Run(run::RunArgs),
    /// Combine the folders of `run --shard I/N` into one run's outputs.
    Merge(merge::MergeArgs),
    /// Paired differences per metric between two runs with the same seeds.
    Compare(compare::CompareArgs),
    /// One replication's event log as CSV, for debugging a model.
    Trace(trace::TraceArgs),
    /// Write a commented starter scenario to edit.
    New(new::NewArgs),
    /// Print the scenario format as a JSON Schema (for editors) or Markdown reference.
    Schema(schema::SchemaArgs),
    /// Print a shell completion script.
    Completions(completions::CompletionsArgs),
    /// Print the manual page (or write one per subcommand into a folder).
    Man(completions::ManArgs),
    /// SVG and PNG charts of an output folder into OUTDIR/plots.
    Plot(plot::PlotArgs),
    /// Sensitivity study from the scenario's [sweep] section into outputs/<scenario>-sweep/.
    Sweep(sweep::SweepArgs),
    /// Best allocation of a budget over costed investments from an [optimize] section
    /// into outputs/<scenario>-optimize/.
    Optimize(optimize::OptimizeArgs),
    /// What every metric measures: unit, definition and how one value is made.
    Metrics(metrics::MetricsArgs),
    /// One self-contained report.html of an output folder: question, headline metrics,
    /// charts, regions, projects, delay causes, comparison or sweep, manifest.
    Report(report::ReportArgs),
}

/// Exit code for a scenario or run error (usage errors exit 2, through clap).
const EXIT_FAILURE: u8 = 1;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Bench(command) => bench::run(command),
        Command::Check(args) => check::run(args),
        Command::Run(args) => run::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Trace(args) => trace::run(args),
        Command::New(args) => new::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => completions::man(args),
        Command::Plot(args) => plot::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Optimize(args) => optimize::run(args),
        Command::Metrics(args) => metrics::run(args),
        Command::Report(args) => report::run(args),
    };
    let code = match result {
        Ok(code) => code,
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            note!("Error: {error:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    };
    signals::interrupted().unwrap_or(code)
}

/// Prints the scenario's warnings on standard error, one line each.
fn warn(scenario: &chipsim::scenario::Scenario) {
    for warning in &scenario.warnings {
        note!("warning: {warning}");
    }
}

/// True when the error is standard output closed by its reader: not a failure.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Exits with a usage error (code 2) naming the flag and what it allows.
pub(crate) fn usage_error(message: impl std::fmt::Display) -> ! {
    use clap::CommandFactory;
    Cli::command()
        .error(
            clap::error::ErrorKind::ValueValidation,
            chipsim::scenario::printable::printable(&message.to_string()),
        )
        .exit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_argument_has_help_text() {
        use clap::CommandFactory;
        fn check(command: &clap::Command, path: &str) {
            command.clone().debug_assert();
            for argument in command.get_arguments() {
                let builtin = ["help", "version"].contains(&argument.get_id().as_str());
                assert!(
                    builtin || argument.get_help().is_some(),
                    "{path} {} has no help text",
                    argument.get_id()
                );
            }
            for sub in command.get_subcommands() {
                assert!(
                    sub.get_about().is_some(),
                    "{path} {} has no about",
                    sub.get_name()
                );
                check(sub, &format!("{path} {}", sub.get_name()));
            }
        }
        check(&Cli::command(), "chipsim");
    }

    #[test]
    fn every_numeric_flag_parses_into_its_field() {
        for args in [
            "chipsim run x.toml --reps 3 --seed 4 --threads 2 --out o --shard 0/2 --quiet",
            "chipsim run x.toml --precision 0.01 --max-reps 300 --plots --xlsx",
            "chipsim sweep x.toml --reps 3 --seed 4 --threads 2 --out o --shard 1/2",
            "chipsim trace x.toml --rep 5 --seed 6",
        ] {
            let parsed = Cli::try_parse_from(args.split(' '));
            assert!(parsed.is_ok(), "{args}: {parsed:?}");
        }
    }
}
