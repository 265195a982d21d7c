//! The back-test of the 2023–2024 AI-accelerator shortage
//! (`configs/validation/backtest-2023.toml`, written up in `docs/validation.md`): fed
//! only what was known then, the model must put the late-2023 order-to-delivery lead
//! time inside the reported 36–52 weeks. It does not reproduce the fall to 8–12 weeks
//! by April 2024; that miss is documented, and checked here so the document stays true.
//! Tolerances are 95 % confidence intervals over 20 replications, each seeded as
//! `chipsim run` seeds it.

use std::sync::OnceLock;

use chipsim::model::{simulate, World};
use chipsim::random::replication_seed;
use chipsim::scenario;
use chipsim::stats::Moments;

const REPLICATIONS: u64 = 20;

/// 36 and 52 weeks in days: H100 server lead times in late 2023 (Omdia, Nov 2023).
const LATE_2023_BAND_DAYS: (f64, f64) = (252.0, 364.0);
/// 12 weeks in days: the upper end of the April 2024 lead time (UDN, Apr 2024).
const APRIL_2024_UPPER_DAYS: f64 = 84.0;

/// Mean quarterly `order_lead_time_days` of each replication, by quarter start.
struct LeadTimes {
    world: World,
    /// `by_replication[r][period]`.
    by_replication: Vec<Vec<f64>>,
}

impl LeadTimes {
    /// The replications, simulated once for all tests of this file.
    fn get() -> &'static LeadTimes {
        static LEAD_TIMES: OnceLock<LeadTimes> = OnceLock::new();
        LEAD_TIMES.get_or_init(LeadTimes::simulate)
    }

    fn simulate() -> Self {
        let path = std::path::Path::new("configs/validation/backtest-2023.toml");
        let scenario = scenario::load(path).unwrap_or_else(|e| panic!("{e}"));
        let world = scenario.world;
        let layout = world.layout();
        let series = layout
            .series
            .iter()
            .position(|m| m.scope == "world" && m.metric.name == "order_lead_time_days")
            .expect("order_lead_time_days is a time series");
        let base_seed = scenario.seed.unwrap_or(1);
        let by_replication = (0..REPLICATIONS)
            .map(|r| {
                let run = simulate(&world, replication_seed(base_seed, r), false).unwrap();
                assert!(
                    run.conservation.violations().is_empty(),
                    "{:?}",
                    run.conservation.violations()
                );
                (0..layout.periods.len())
                    .map(|p| run.result.series[p * layout.series.len() + series])
                    .collect()
            })
            .collect();
        LeadTimes {
            world,
            by_replication,
        }
    }

    fn period(&self, start: &str) -> usize {
        let start: chrono::NaiveDate = start.parse().unwrap();
        self.world
            .periods
            .iter()
            .position(|p| p.start == start)
            .unwrap_or_else(|| panic!("no period starts on {start}"))
    }

    /// Moments over replications of `value(replication's lead times)`.
    fn moments(&self, value: impl Fn(&[f64]) -> f64) -> Moments {
        let mut moments = Moments::default();
        for leads in &self.by_replication {
            let v = value(leads);
            assert!(!v.is_nan(), "every quarter delivers something");
            moments.push(v);
        }
        moments
    }

    /// The 95 % confidence interval of the mean lead time in the quarter from `start`.
    fn ci95(&self, start: &str) -> (f64, f64) {
        let period = self.period(start);
        let moments = self.moments(|leads| leads[period]);
        let half = moments.ci_half_width(0.95);
        (moments.mean() - half, moments.mean() + half)
    }
}

#[test]
fn late_2023_lead_time_lies_in_the_reported_36_to_52_week_band() {
    let leads = LeadTimes::get();
    let (low, high) = leads.ci95("2023-10-01");
    let (band_low, band_high) = LATE_2023_BAND_DAYS;
    assert!(
        high >= band_low && low <= band_high,
        "Q4 2023 mean lead time 95 % CI [{low:.1}, {high:.1}] days misses the reported \
         [{band_low}, {band_high}] days (36-52 weeks)"
    );
}

#[test]
fn lead_time_falls_from_its_peak_in_2024_but_not_to_the_reported_8_to_12_weeks_by_april() {
    let leads = LeadTimes::get();
    // Reproduced: the CoWoS ramp of 2024 overtakes orders and the lead time falls
    // (paired by replication, Q1 2024 minus Q4 2024, 95 % CI above zero).
    let (q1, q4) = (leads.period("2024-01-01"), leads.period("2024-10-01"));
    let fall = leads.moments(|l| l[q1] - l[q4]);
    let half = fall.ci_half_width(0.95);
    assert!(
        fall.mean() - half > 0.0,
        "lead time should fall from Q1 to Q4 2024: {:.1} ± {half:.1} days",
        fall.mean()
    );
    // Not reproduced (docs/validation.md, "where the model misses"): a first-come order
    // book without cancellations cannot clear a 36-52 week backlog in one quarter.
    let (low, high) = leads.ci95("2024-04-01");
    assert!(
        low > APRIL_2024_UPPER_DAYS,
        "Q2 2024 mean lead time 95 % CI [{low:.1}, {high:.1}] days now reaches the \
         reported 8-12 weeks: update the miss documented in docs/validation.md"
    );
}
