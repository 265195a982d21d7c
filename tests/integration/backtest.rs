//! The back-test of the 2023–2024 AI-accelerator shortage
//! (`configs/validation/backtest-2023.toml`, written up in `docs/validation.md`): fed
//! only what was known then, the lead time the sellers quote to new orders
//! (`quoted_lead_time_days`) must reach the reported 36–52 weeks in late 2023 (Omdia,
//! Nov 2023: `h100-lead-time-2023` in docs/sources.md) because the order book outgrew
//! capacity, not because buyers were told to order that far ahead: the verdict must
//! hold with the calm-market `order_lead_days` at 90, 180 and 270 days, and the quote
//! must not follow that input. The quote then falls to the 8–12 weeks reported for
//! April 2024 (UDN: `h100-lead-time-2024`) once the CoWoS ramp overtakes the book; the
//! model gets there four quarters late (Q2 2025), a miss documented in
//! docs/validation.md. The what-if that pads the 2023 book with repeated orders
//! (`backtest-2023-repeat-orders.toml`, the upper bound of `repeat-orders-2023`) can
//! bring the fall forward, but then the late-2023 verdict rests on `order_lead_days`:
//! the last test pins that, the reason no sourced input reproduces both points robustly.
//! Tolerances are 95 % confidence intervals over 20 replications, each seeded as
//! `chipsim run` seeds it.

use std::sync::OnceLock;

use chipsim::model::{simulate, World};
use chipsim::random::replication_seed;
use chipsim::scenario;
use chipsim::stats::Moments;

const REPLICATIONS: u64 = 20;
const CONFIG: &str = "configs/validation/backtest-2023.toml";
/// The what-if whose 2023 book is padded with repeated orders (their upper bound).
const REPEAT_ORDERS: &str = "configs/validation/backtest-2023-repeat-orders.toml";
/// The calm-market order lead of the shipped back-test, and the values at ±50 %.
const ORDER_LEAD_DAYS: [f64; 3] = [180.0, 90.0, 270.0];

/// 36 weeks in days: the lower end of late-2023 H100 server lead times (Omdia).
const LATE_2023_LOW_DAYS: f64 = 252.0;
/// 12 weeks in days: the upper end of the April 2024 lead time (UDN).
const APRIL_2024_UPPER_DAYS: f64 = 84.0;

/// Quarterly mean `quoted_lead_time_days` of each replication of one variant.
struct Quotes {
    world: World,
    /// `by_replication[r][period]` (NaN where no order was placed).
    by_replication: Vec<Vec<f64>>,
}

impl Quotes {
    /// The replications of the back-test with `order_lead_days` set to each of
    /// [`ORDER_LEAD_DAYS`], simulated once for all tests of this file.
    fn get() -> &'static [Quotes] {
        static QUOTES: OnceLock<Vec<Quotes>> = OnceLock::new();
        QUOTES.get_or_init(|| {
            let text = std::fs::read_to_string(CONFIG).expect("the back-test config");
            assert!(text.contains("\norder_lead_days = 180"), "the shipped lead");
            (ORDER_LEAD_DAYS.iter())
                .map(|days| {
                    let line = format!("\norder_lead_days = {days}");
                    let text = text.replace("\norder_lead_days = 180", &line);
                    let scenario = scenario::parse(&text, CONFIG).unwrap_or_else(|e| panic!("{e}"));
                    Quotes::simulate(scenario)
                })
                .collect()
        })
    }

    /// The what-if padded with repeated orders, with `order_lead_days` set to `days`
    /// by a change file on top of it.
    fn repeat_orders(days: f64) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(REPEAT_ORDERS).expect("the what-if config");
        let change = format!(
            "base = {:?}\n[set]\n\"demand.ai_accelerator_buyers.order_lead_days\" = {days}\n",
            base.display().to_string()
        );
        let path = dir.path().join("lead.toml");
        std::fs::write(&path, change).unwrap();
        Quotes::simulate(scenario::load(&path).unwrap_or_else(|e| panic!("{e}")))
    }

    fn simulate(scenario: scenario::Scenario) -> Self {
        let world = scenario.world;
        let layout = world.layout();
        let series = (layout.series.iter())
            .position(|s| s.scope == "world" && s.metric.name == "quoted_lead_time_days")
            .expect("quoted_lead_time_days is a time series");
        let base_seed = scenario.seed.unwrap_or(1);
        let by_replication = (0..REPLICATIONS)
            .map(|r| {
                let run = simulate(&world, replication_seed(base_seed, r), false).unwrap();
                let violations = run.conservation.violations();
                assert!(violations.is_empty(), "{violations:?}");
                (0..layout.periods.len())
                    .map(|p| run.result.series[p * layout.series.len() + series])
                    .collect()
            })
            .collect();
        Quotes {
            world,
            by_replication,
        }
    }

    /// The 95 % confidence interval of the mean quote in the quarter from `start`, over
    /// the replications that placed orders in it (at least half must have).
    fn ci95(&self, start: &str) -> (f64, f64) {
        let start: chrono::NaiveDate = start.parse().unwrap();
        let period = (self.world.periods.iter())
            .position(|p| p.start == start)
            .unwrap_or_else(|| panic!("no period starts on {start}"));
        let mut moments = Moments::default();
        for quotes in self.by_replication.iter().filter(|q| !q[period].is_nan()) {
            moments.push(quotes[period]);
        }
        assert!(
            2 * moments.count() >= REPLICATIONS,
            "orders are placed in {start} in only {} replications",
            moments.count()
        );
        let half = moments.ci_half_width(0.95);
        (moments.mean() - half, moments.mean() + half)
    }
}

#[test]
fn late_2023_quotes_reach_36_weeks_whatever_the_calm_market_lead() {
    for (quotes, days) in Quotes::get().iter().zip(ORDER_LEAD_DAYS) {
        let (low, high) = quotes.ci95("2023-10-01");
        assert!(
            low >= LATE_2023_LOW_DAYS,
            "order_lead_days {days}: Q4 2023 quoted lead time 95 % CI [{low:.1}, {high:.1}] \
             days, below the reported 36 weeks ({LATE_2023_LOW_DAYS} days)"
        );
    }
}

#[test]
fn the_peak_quote_comes_from_the_book_not_from_the_order_lead_input() {
    // The old model's lead time tracked order_lead_days one for one (90 days in, 29
    // weeks out; 270 in, 55 out). A 180-day change of the input may now move the peak
    // quote by at most a fifth of that.
    let quotes = Quotes::get();
    let (short, long) = (quotes[1].ci95("2023-10-01"), quotes[2].ci95("2023-10-01"));
    let gap = ((short.0 + short.1) - (long.0 + long.1)).abs() / 2.0;
    assert!(
        gap <= 0.2 * (ORDER_LEAD_DAYS[2] - ORDER_LEAD_DAYS[1]),
        "Q4 2023 quote with order_lead_days 90: {short:.1?}, with 270: {long:.1?}"
    );
}

#[test]
fn quotes_fall_to_12_weeks_once_the_cowos_ramp_overtakes_the_book() {
    let shipped = &Quotes::get()[0];
    let (low, high) = shipped.ci95("2025-04-01");
    assert!(
        low <= APRIL_2024_UPPER_DAYS,
        "Q2 2025 quoted lead time 95 % CI [{low:.1}, {high:.1}] days, all above 12 weeks"
    );
    // Four quarters later than reported (docs/validation.md): a quarter where the model
    // reaches 12 weeks by April 2024 must update that document.
    let (low, high) = shipped.ci95("2024-04-01");
    assert!(
        low > APRIL_2024_UPPER_DAYS,
        "Q2 2024 quoted lead time 95 % CI [{low:.1}, {high:.1}] days now reaches the \
         reported 8-12 weeks: update the miss documented in docs/validation.md"
    );
}

#[test]
fn with_the_book_padded_by_repeat_orders_the_late_2023_verdict_rests_on_the_order_lead() {
    // Real demand at CoWoS output and 1.25 copies per order: supply and real demand
    // balance, and whether the book outgrows capacity in 2023 depends on how early
    // buyers must order. At 90 days it does (measured at 200 replications: 54.5
    // weeks); at 270 days it never does (18.4 weeks). A verdict that flips with an
    // input at ±50 % is not a reproduction, so this file is a what-if, not the test.
    let (early, late) = (Quotes::repeat_orders(90.0), Quotes::repeat_orders(270.0));
    let (low, high) = early.ci95("2023-10-01");
    assert!(
        low >= LATE_2023_LOW_DAYS,
        "order lead 90 d: Q4 2023 quote 95 % CI [{low:.1}, {high:.1}] days, below 36 weeks"
    );
    let (low, high) = late.ci95("2023-10-01");
    assert!(
        high < LATE_2023_LOW_DAYS,
        "order lead 270 d: Q4 2023 quote 95 % CI [{low:.1}, {high:.1}] days now reaches 36 \
         weeks: the what-if became robust; revisit docs/validation.md"
    );
}
