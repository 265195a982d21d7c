//! The command line's numbers, in one place: how each numeric flag is read (a value
//! out of range, negative numbers included, is a usage error that names the flag and
//! what it allows), the batch flags `run` and `sweep` share, and what each falls back
//! to when it is not given: the scenario's own setting, else chipsim's default (taken
//! from [`chipsim::scenario`], so `--help` and the runs cannot disagree).

use std::ffi::OsStr;
use std::path::PathBuf;

use clap::builder::TypedValueParser;
use clap::error::ErrorKind;
use clap::{Arg, Args, Command};

use chipsim::runner::Shard;
use chipsim::scenario::{DEFAULT_REPLICATIONS, DEFAULT_SEED};

/// A flag's value parser: `parse` turns the text into the value, or says what is
/// allowed ("must be at least 1, got 0"); the usage error then reads
/// "--reps must be at least 1, got 0".
#[derive(Clone, Copy)]
pub struct Flag<T>(pub fn(&str) -> Result<T, String>);

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Flag<T> {
    type Value = T;

    fn parse_ref(
        &self,
        command: &Command,
        argument: Option<&Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        (self.0)(&text).map_err(|allowed| {
            let flag = argument.map_or_else(
                || "the value".to_string(),
                |arg| match arg.get_long() {
                    Some(long) => format!("--{long}"),
                    None => arg.get_id().to_string().to_uppercase(),
                },
            );
            let message =
                chipsim::scenario::printable::printable(&format!("{flag} {allowed}")).into_owned();
            command.clone().error(ErrorKind::ValueValidation, message)
        })
    }
}

/// A whole number of at least `MIN`.
pub fn whole<const MIN: u64>(text: &str) -> Result<u64, String> {
    match text.trim().parse::<i128>() {
        Ok(value) if value >= i128::from(MIN) && value <= i128::from(u64::MAX) => Ok(value as u64),
        Ok(value) if value < i128::from(MIN) => Err(format!("must be at least {MIN}, got {value}")),
        _ => Err(format!(
            "must be a whole number from {MIN} to {}, got `{text}`",
            u64::MAX
        )),
    }
}

/// A number of worker threads: a whole number of at least 1.
pub fn threads(text: &str) -> Result<usize, String> {
    let count = whole::<1>(text)?;
    usize::try_from(count).map_err(|_| format!("must be at most {}, got {count}", usize::MAX))
}

/// A base seed: a whole number from 0 to 2^64 − 1, or a seed as the output files
/// write it (`0x` and hexadecimal digits). Every command reads seeds here.
pub fn seed(text: &str) -> Result<u64, String> {
    chipsim::output::parse_seed(text).map_err(|_| {
        format!(
            "must be a whole number from 0 to {}, or 0x and 1 to 16 hexadecimal digits as \
             in replications.csv, got `{text}`",
            u64::MAX
        )
    })
}

/// A number greater than 0 (`--precision`).
pub fn positive(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok(value),
        _ => Err(format!(
            "must be a number greater than 0 (e.g. 0.01 for ±1 %), got `{text}`"
        )),
    }
}

/// `I/N` with whole numbers 0 ≤ I < N (`--shard`); the message is the runner's.
pub fn shard(text: &str) -> Result<Shard, String> {
    text.parse::<Shard>().map_err(|message| {
        message
            .strip_prefix("--shard ")
            .unwrap_or(&message)
            .to_string()
    })
}

/// `--reps` in `--help`.
fn reps_help() -> String {
    format!(
        "Replications, at least 1 (a sweep runs them at every design point). Default: the \
         scenario's `replications` (in a sweep, `[sweep] replications` first), else \
         {DEFAULT_REPLICATIONS}"
    )
}

/// `--seed` in `--help`.
pub fn seed_help() -> String {
    format!(
        "Base seed, 0 to 2^64 − 1 (or 0x and hexadecimal digits, as seeds are written in \
         replications.csv): replication r uses a seed derived from (seed, r). Default: the \
         scenario's `seed`, else {DEFAULT_SEED}"
    )
}

/// The flags of a batch of replications, shared by `run` and `sweep`.
#[derive(Debug, Args)]
pub struct BatchFlags {
    #[arg(long, value_name = "N", help = reps_help(), value_parser = Flag(whole::<1>),
          allow_negative_numbers = true)]
    pub reps: Option<u64>,
    #[arg(long, value_name = "SEED", help = seed_help(), value_parser = Flag(seed),
          allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Worker threads, at least 1. Default: the number of available cores.
    #[arg(long, value_name = "T", value_parser = Flag(threads), allow_negative_numbers = true)]
    pub threads: Option<usize>,
    /// Output folder. Default: outputs/<scenario name> (a sweep: outputs/<scenario
    /// name>-sweep).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Run only shard I of N, 0 ≤ I < N: replications I, I+N, I+2N, … (a sweep: those
    /// design points, with all their replications). Combine the N shard folders with
    /// `chipsim merge` (a sweep: `chipsim sweep CONFIG --merge`).
    #[arg(long, value_name = "I/N", value_parser = Flag(shard), allow_hyphen_values = true)]
    pub shard: Option<Shard>,
    /// No progress bar, no closing line and no table of headline metrics.
    #[arg(long)]
    pub quiet: bool,
}

impl BatchFlags {
    /// Replications: `--reps`, else `from_file`, else the default.
    pub fn replications(&self, from_file: Option<u64>) -> u64 {
        self.reps.or(from_file).unwrap_or(DEFAULT_REPLICATIONS)
    }

    /// The base seed: `--seed`, else `from_file`, else the default.
    pub fn base_seed(&self, from_file: Option<u64>) -> u64 {
        base_seed(self.seed, from_file)
    }

    /// Worker threads: `--threads`, else every available core.
    pub fn threads(&self) -> usize {
        threads_or_cores(self.threads)
    }
}

/// Worker threads: the flag's, else every available core.
pub fn threads_or_cores(flag: Option<usize>) -> usize {
    flag.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    })
}

/// A base seed: the flag's, else the scenario's, else the default.
pub fn base_seed(flag: Option<u64>, from_file: Option<u64>) -> u64 {
    flag.or(from_file).unwrap_or(DEFAULT_SEED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_name_what_they_allow() {
        assert_eq!(whole::<1>("3"), Ok(3));
        assert_eq!(whole::<1>("0"), Err("must be at least 1, got 0".into()));
        assert_eq!(whole::<1>("-5"), Err("must be at least 1, got -5".into()));
        assert!(whole::<2>("many")
            .unwrap_err()
            .contains("whole number from 2"));
        assert!(whole::<0>("18446744073709551616").is_err());
        assert_eq!(seed("18446744073709551615"), Ok(u64::MAX));
        assert!(seed("-1").unwrap_err().contains("from 0 to"));
        assert_eq!(
            seed("0x00000000000000e5"),
            Ok(229),
            "as written in the outputs"
        );
        assert_eq!(positive("0.01"), Ok(0.01));
        assert!(positive("-0.5").unwrap_err().contains("greater than 0"));
        assert!(positive("nan").is_err() && positive("inf").is_err());
        assert_eq!(shard("1/4"), Ok(Shard { index: 1, count: 4 }));
        assert!(shard("-1/4").unwrap_err().starts_with("must be I/N"));
    }
}
