//! `chipsim merge`: combines the folders of `chipsim run --shard I/N` into the outputs
//! one unsharded run would have written; fails, writing nothing, if a replication is
//! missing or the shards come from different runs. All or nothing: Ctrl-C or SIGTERM
//! leaves the previous outputs as they were (see [`super::signals`]).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use chipsim::runner::merge_shards;
use chipsim::sweep::SWEEP_REPLICATIONS_FILE;

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard folders written by `chipsim run --shard I/N` (all N of them).
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Folder for the merged outputs (replaced only if it holds chipsim outputs).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Also draw SVG and PNG charts into DIR/plots (as `chipsim plot`).
    #[arg(long)]
    pub plots: bool,
    /// Also write the tables as one workbook, DIR/results.xlsx.
    #[arg(long)]
    pub xlsx: bool,
}

pub fn run(args: MergeArgs) -> anyhow::Result<ExitCode> {
    if let Some(dir) = (args.dirs.iter()).find(|dir| dir.join(SWEEP_REPLICATIONS_FILE).exists()) {
        anyhow::bail!(
            "{} is a sweep shard: combine sweep shards with `chipsim sweep CONFIG --merge DIR...`",
            dir.display()
        );
    }
    super::signals::install(super::signals::Outputs::AllOrNothing)?;
    let outcome = merge_shards(&args.dirs, &args.out)?;
    note!(
        "merged {} replications from {} shard folders → {}",
        outcome.replications,
        outcome.shards,
        outcome.out_dir.display()
    );
    let exports = super::plot::Exports {
        plots: args.plots,
        xlsx: args.xlsx,
        quiet: false,
    };
    exports.write(&outcome.out_dir)?;
    Ok(ExitCode::SUCCESS)
}
