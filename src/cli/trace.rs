//! `chipsim trace CONFIG --rep R`: one replication's event log as CSV, for debugging a
//! model (time in days, date, event, agent, quantity, detail).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use chipsim::random::replication_seed;

use super::flags::{base_seed, seed, seed_help, whole, Flag};

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The scenario file.
    config: PathBuf,
    /// Replication to trace, from 0 (its seed derives from --seed and this index).
    #[arg(long, default_value_t = 0, value_parser = Flag(whole::<0>), allow_negative_numbers = true)]
    rep: u64,
    #[arg(long, value_name = "SEED", help = seed_help(), value_parser = Flag(seed),
          allow_negative_numbers = true)]
    seed: Option<u64>,
    /// Write the CSV here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(args: TraceArgs) -> anyhow::Result<ExitCode> {
    let scenario = chipsim::scenario::load(&args.config)?;
    super::warn(&scenario);
    let seed = replication_seed(base_seed(args.seed, scenario.seed), args.rep);
    let run = chipsim::model::simulate(&scenario.world, seed, true)?;
    let rows = run.trace.unwrap_or_default();
    let mut buffer = Vec::new();
    {
        let mut writer = csv::Writer::from_writer(&mut buffer);
        writer.write_record(["day", "date", "event", "agent", "quantity", "detail"])?;
        for row in &rows {
            writer.write_record([
                format!("{:.4}", row.day),
                row.date.to_string(),
                row.event.to_string(),
                chipsim::output::neutralise(&row.agent).into_owned(),
                format!("{}", row.quantity),
                chipsim::output::neutralise(&row.detail).into_owned(),
            ])?;
        }
        writer.flush()?;
    }
    match &args.out {
        Some(path) => chipsim::output::write_file_atomically(path, &buffer)
            .with_context(|| format!("cannot write the trace to {}", path.display()))?,
        None => std::io::stdout().write_all(&buffer)?,
    }
    Ok(ExitCode::SUCCESS)
}
