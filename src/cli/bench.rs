//! `chipsim bench`: kernel benchmarks that also check the kernel against theory, and
//! the model's speed as demand grows. Each prints a CSV header and a row per run:
//! `mmc` and `tandem` give events/s beside the estimate, its 95 % CI half-width (batch
//! means) and the exact value (`mmc --compare-heap` adds a row for a plain `BinaryHeap`
//! loop of the same queue); `model` gives events per replication, events/s,
//! replications/s and peak memory (`--scale`: one world per demand multiplier, each in
//! a child process).

use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Subcommand, ValueEnum};

use chipsim::engine::EngineError;
use chipsim::queueing::{LineParameters, LineReport, Service};
use chipsim::scenario::Scenario;

use super::flags::{seed, Flag};
use super::usage_error;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// One M/M/c (or M/D/c) queue; prints events/s and Wq against Erlang C.
    Mmc(MmcArgs),
    /// A tandem line of M/M/c stations; prints events/s and the sojourn against Jackson.
    Tandem(TandemArgs),
    /// Replications of a scenario on one thread; prints events per replication,
    /// events/s inside the model, replications/s and peak memory.
    Model(ModelArgs),
}

#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Scenario file (default: the embedded baseline).
    config: Option<std::path::PathBuf>,
    /// Replications to run, at least 1; a world with demand × k (k > 1) runs reps / k
    /// of them (at least 1), so that larger worlds take about as long.
    #[arg(long, default_value_t = 20)]
    reps: u64,
    /// Base seed.
    #[arg(long, default_value_t = 1, value_parser = Flag(seed))]
    seed: u64,
    /// Demand multipliers k, e.g. `1,10,100`: each world has every demand curve's
    /// `mw_first_year` × k. With several, each world runs in a child process, so that
    /// its peak memory is its own.
    #[arg(long, value_delimiter = ',')]
    scale: Vec<f64>,
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
    /// Also run the same queue on a plain `BinaryHeap` loop, alternating with the
    /// kernel, and print both rows with each one's speed relative to the heap.
    #[arg(long)]
    compare_heap: bool,
    /// Runs of each kernel, at least 1; each row reports its fastest.
    #[arg(long, default_value_t = 1)]
    rounds: u32,
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

/// Runs `simulate`; returns its report and the seconds it took.
fn timed(
    simulate: impl Fn() -> Result<LineReport, EngineError>,
) -> anyhow::Result<(LineReport, f64)> {
    let started = Instant::now();
    let report = simulate()?;
    Ok((report, started.elapsed().as_secs_f64()))
}

/// `bench mmc`: the kernel's row, and the plain heap's with `--compare-heap`.
fn mmc(args: MmcArgs) -> anyhow::Result<()> {
    let parameters = parameters(1, &args.queue);
    if args.rounds == 0 {
        usage_error("--rounds must be at least 1");
    }
    let kernel = match parameters.service {
        Service::Exponential => "chipsim_mmc",
        Service::Deterministic => "chipsim_mdc",
    };
    // (name, report, fastest seconds) per kernel; the rounds alternate, so that a slow
    // spell of a shared machine hits both.
    let mut rows: Vec<(&str, Option<LineReport>, f64)> = vec![(kernel, None, f64::INFINITY)];
    if args.compare_heap {
        rows.push(("binary_heap", None, f64::INFINITY));
    }
    for _ in 0..args.rounds {
        for (name, report, fastest) in &mut rows {
            let (run, seconds) = if *name == kernel {
                timed(|| parameters.simulate())?
            } else {
                timed(|| parameters.simulate_on_binary_heap())?
            };
            *fastest = fastest.min(seconds);
            *report = Some(run);
        }
    }
    let reports: Vec<&LineReport> = rows.iter().filter_map(|(_, r, _)| r.as_ref()).collect();
    if let Some(other) = reports
        .iter()
        .find(|r| (r.events, r.wait_in_queue) != (reports[0].events, reports[0].wait_in_queue))
    {
        anyhow::bail!(
            "the kernel and the plain heap disagree: {} events and Wq {} against {} and {}",
            reports[0].events,
            reports[0].wait_in_queue.mean(),
            other.events,
            other.wait_in_queue.mean()
        );
    }
    let heap_seconds = rows.last().map_or(f64::NAN, |(_, _, seconds)| *seconds);
    let header = "model,servers,lambda,mu,customers,events,seconds,events_per_sec,wq_mean,wq_ci95_half,wq_exact";
    if args.compare_heap {
        out!("{header},speed_vs_binary_heap");
    } else {
        out!("{header}");
    }
    for (name, report, seconds) in &rows {
        let report = report.as_ref().expect("every kernel ran");
        let ratio = if args.compare_heap {
            format!(",{:.3}", heap_seconds / seconds)
        } else {
            String::new()
        };
        out!(
            "{name},{},{},{},{},{},{seconds:.6},{:.0},{:.6},{:.6},{}{ratio}",
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
    Ok(())
}

const MODEL_HEADER: &str = "model,demand_scale,replications,events,events_per_replication,seconds,events_per_sec,replications_per_sec,peak_rss_mb";

/// `bench model`: one row per world.
fn model(args: ModelArgs) -> anyhow::Result<()> {
    if args.reps == 0 {
        usage_error("--reps must be at least 1");
    }
    if let Some(k) = args.scale.iter().find(|k| !(k.is_finite() && **k > 0.0)) {
        usage_error(format!(
            "--scale takes demand multipliers greater than 0, got {k}"
        ));
    }
    let scenario = match &args.config {
        Some(path) => chipsim::scenario::load(path)?,
        None => chipsim::scenario::baseline()?,
    };
    out!("{MODEL_HEADER}");
    match args.scale[..] {
        [] => out!("{}", model_row(&scenario, 1.0, &args)?),
        [k] => out!("{}", model_row(&scenario, k, &args)?),
        _ => {
            for &k in &args.scale {
                out!("{}", model_row_in_child(k, &args)?);
            }
        }
    }
    Ok(())
}

/// The scenario with every demand curve's `mw_first_year` multiplied by `k`.
fn scale_demand(scenario: &Scenario, k: f64) -> anyhow::Result<Scenario> {
    let mut value: toml::Value = toml::from_str(&scenario.text)?;
    let curves = value
        .get_mut("demand")
        .and_then(toml::Value::as_array_mut)
        .filter(|curves| !curves.is_empty())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{} has no [[demand]] curves for --scale to multiply",
                scenario.source
            )
        })?;
    for curve in curves {
        if let Some(mw) = curve.get_mut("mw_first_year") {
            if let Some(base) = mw.as_float().or(mw.as_integer().map(|mw| mw as f64)) {
                *mw = toml::Value::Float(base * k);
            }
        }
    }
    let text = toml::to_string(&value)?;
    let source = format!("{} (demand × {k})", scenario.source);
    Ok(chipsim::scenario::parse(&text, &source)?)
}

/// Runs the world with demand × `k` on this thread and returns its CSV row.
fn model_row(scenario: &Scenario, k: f64, args: &ModelArgs) -> anyhow::Result<String> {
    let scaled;
    let scenario = if k == 1.0 {
        scenario
    } else {
        scaled = scale_demand(scenario, k)?;
        &scaled
    };
    let reps = if k > 1.0 {
        ((args.reps as f64 / k) as u64).max(1)
    } else {
        args.reps
    };
    let started = Instant::now();
    let mut events = 0;
    for replication in 0..reps {
        let seed = chipsim::random::replication_seed(args.seed, replication);
        events += chipsim::model::simulate(&scenario.world, seed, false)?
            .result
            .events;
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(format!(
        "{},{k},{reps},{events},{:.0},{seconds:.6},{:.0},{:.3},{}",
        scenario.world.name,
        events as f64 / reps as f64,
        events as f64 / seconds,
        reps as f64 / seconds,
        peak_rss_mb()
            .map(|mb| format!("{mb:.1}"))
            .unwrap_or_default(),
    ))
}

/// Runs the world with demand × `k` in a child process and returns its CSV row.
fn model_row_in_child(k: f64, args: &ModelArgs) -> anyhow::Result<String> {
    let mut command = std::process::Command::new(std::env::current_exe()?);
    command.args(["bench", "model"]);
    command.args(&args.config);
    command.args(["--reps", &args.reps.to_string()]);
    command.args(["--seed", &args.seed.to_string()]);
    command.args(["--scale", &k.to_string()]);
    let output = command.output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    match stdout.lines().nth(1) {
        Some(row) if output.status.success() => Ok(row.to_string()),
        _ => anyhow::bail!(
            "the world with demand × {k} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ),
    }
}

/// The peak resident memory of this process (`VmHWM`) in MB, where Linux reports it.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kilobytes: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes / 1024.0)
}

pub fn run(command: BenchCommand) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Model(args) => model(args)?,
        BenchCommand::Mmc(args) => mmc(args)?,
        BenchCommand::Tandem(args) => {
            let parameters = parameters(args.stations, &args.queue);
            let (report, seconds) = timed(|| parameters.simulate())?;
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
