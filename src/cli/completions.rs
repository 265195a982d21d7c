//! `chipsim completions SHELL` and `chipsim man`: shell completions and manual pages,
//! generated from the clap definition of the command line so they always match
//! `--help`. docs/scenario-authoring.md says how to install them.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for: bash, zsh, fish, elvish or powershell.
    shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write chipsim.1 and one page per subcommand (chipsim-run.1, …) into this folder,
    /// instead of printing chipsim.1.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

pub fn completions(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    // Rendered into memory first: the generator panics on a write error, and standard
    // output may be a closed pipe.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "chipsim", &mut script);
    std::io::stdout().write_all(&script)?;
    Ok(ExitCode::SUCCESS)
}

pub fn man(args: ManArgs) -> anyhow::Result<ExitCode> {
    match args.dir {
        Some(dir) => {
            clap_mangen::generate_to(Cli::command(), &dir)
                .with_context(|| format!("cannot write manual pages into {}", dir.display()))?;
            out!("wrote the manual pages into {}", dir.display());
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut page)?;
            std::io::stdout().write_all(&page)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
