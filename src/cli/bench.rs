//! `chipsim bench`: kernel benchmarks that also check the kernel against theory.
//! Prints a CSV header and one row: events/s beside the estimate, its 95 % CI
//! half-width (batch means) and the exact value.

use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Subcommand, ValueEnum};

use chipsim::queueing::{LineParameters, LineReport, Service};

use super::flags::{seed, Flag};
use super::usage_error;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// One M/M/c (or M/D/c) queue; prints events/s and Wq against Erlang C.
    Mmc(MmcArgs),
    /// A tandem line of M/M/c stations; prints events/s and the sojourn against Jackson.
    Tandem(TandemArgs),
    /// Replications of a scenario on one thread; prints events per replication,
    /// events/s inside the model and replications/s.
    Model(ModelArgs),
}

#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Scenario file (default: the embedded baseline).
    config: Option<std::path::PathBuf>,
    /// Replications to run, at least 1.
    #[arg(long, default_value_t = 20)]
    reps: u64,
    /// Base seed.
    #[arg(long, default_value_t = 1, value_parser = Flag(seed))]
    seed: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ServiceArg {
    /// Exponential service times (M/M/c).
    Exp,
    /// Deterministic service times 1/mu (M/D/c).
    Det,
}

#[derive(Debug, Args)]
pub struct QueueArgs {
    /// Arrival rate (customers per unit time), > 0.
    #[arg(long = "lambda")]
    lambda: f64,
    /// Service rate of one server, > 0.
    #[arg(long)]
    mu: f64,
    /// Servers per station, at least 1.
    #[arg(long)]
    servers: u32,
    /// Customers to simulate, at least 1.
    #[arg(long)]
    customers: u64,
    /// Customers left out of the statistics at the start (default: a tenth).
    #[arg(long)]
    warmup: Option<u64>,
    /// Random seed.
    #[arg(long, default_value_t = 1, value_parser = Flag(seed))]
    seed: u64,
    /// Service time distribution.
    #[arg(long, value_enum, default_value_t = ServiceArg::Exp)]
    service: ServiceArg,
}

#[derive(Debug, Args)]
pub struct MmcArgs {
    #[command(flatten)]
    queue: QueueArgs,
}

#[derive(Debug, Args)]
pub struct TandemArgs {
    /// Stations in series, at least 1.
    #[arg(long)]
    stations: u32,
    #[command(flatten)]
    queue: QueueArgs,
}

fn parameters(stations: u32, args: &QueueArgs) -> LineParameters {
    let positive = |flag: &str, value: f64| {
        if !(value.is_finite() && value > 0.0) {
            usage_error(format!(
                "--{flag} must be a finite number greater than 0, got {value}"
            ));
        }
    };
    positive("lambda", args.lambda);
    positive("mu", args.mu);
    if stations == 0 {
        usage_error("--stations must be at least 1");
    }
    if args.servers == 0 {
        usage_error("--servers must be at least 1");
    }
    if args.customers == 0 {
        usage_error("--customers must be at least 1");
    }
    let rho = args.lambda / (args.mu * f64::from(args.servers));
    if rho >= 1.0 {
        usage_error(format!(
            "utilisation rho = lambda / (mu * servers) = {rho:.4} must be below 1 for a steady state: \
             lower --lambda or raise --mu or --servers"
        ));
    }
    let warmup = args.warmup.unwrap_or(args.customers / 10);
    if warmup >= args.customers {
        usage_error(format!(
            "--warmup ({warmup}) must be smaller than --customers ({})",
            args.customers
        ));
    }
    LineParameters {
        stations,
        servers: args.servers,
        lambda: args.lambda,
        mu: args.mu,
        customers: args.customers,
        warmup,
        seed: args.seed,
        service: match args.service {
            ServiceArg::Exp => Service::Exponential,
            ServiceArg::Det => Service::Deterministic,
        },
    }
}

fn optional(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.6}")).unwrap_or_default()
}

fn timed(parameters: &LineParameters) -> anyhow::Result<(LineReport, f64)> {
    let started = Instant::now();
    let report = parameters.simulate()?;
    Ok((report, started.elapsed().as_secs_f64()))
}

fn model(args: ModelArgs) -> anyhow::Result<()> {
    if args.reps == 0 {
        usage_error("--reps must be at least 1");
    }
    let scenario = match &args.config {
        Some(path) => chipsim::scenario::load(path)?,
        None => chipsim::scenario::baseline()?,
    };
    let started = Instant::now();
    let mut events = 0;
    for replication in 0..args.reps {
        let seed = chipsim::random::replication_seed(args.seed, replication);
        events += chipsim::model::simulate(&scenario.world, seed, false)?
            .result
            .events;
    }
    let seconds = started.elapsed().as_secs_f64();
    out!("model,replications,events,events_per_replication,seconds,events_per_sec,replications_per_sec");
    out!(
        "{},{},{events},{:.0},{seconds:.6},{:.0},{:.2}",
        scenario.world.name,
        args.reps,
        events as f64 / args.reps as f64,
        events as f64 / seconds,
        args.reps as f64 / seconds,
    );
    Ok(())
}

pub fn run(command: BenchCommand) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Model(args) => model(args)?,
        BenchCommand::Mmc(args) => {
            let parameters = parameters(1, &args.queue);
            let (report, seconds) = timed(&parameters)?;
            let model = match parameters.service {
                Service::Exponential => "chipsim_mmc",
                Service::Deterministic => "chipsim_mdc",
            };
            out!("model,servers,lambda,mu,customers,events,seconds,events_per_sec,wq_mean,wq_ci95_half,wq_exact");
            out!(
                "{model},{},{},{},{},{},{seconds:.6},{:.0},{:.6},{:.6},{}",
                parameters.servers,
                parameters.lambda,
                parameters.mu,
                parameters.customers,
                report.events,
                report.events as f64 / seconds,
                report.wait_in_queue.mean(),
                report.wait_in_queue.ci_half_width(0.95),
                optional(parameters.exact_wait_in_queue()),
            );
        }
        BenchCommand::Tandem(args) => {
            let parameters = parameters(args.stations, &args.queue);
            let (report, seconds) = timed(&parameters)?;
            out!("model,stations,servers,lambda,mu,customers,events,seconds,events_per_sec,w_mean,w_ci95_half,w_exact");
            out!(
                "chipsim_tandem,{},{},{},{},{},{},{seconds:.6},{:.0},{:.6},{:.6},{}",
                parameters.stations,
                parameters.servers,
                parameters.lambda,
                parameters.mu,
                parameters.customers,
                report.events,
                report.events as f64 / seconds,
                report.sojourn.mean(),
                report.sojourn.ci_half_width(0.95),
                optional(parameters.exact_sojourn()),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
