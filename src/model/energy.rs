//! Energy: live accelerators draw kW × utilisation × PUE; the meter integrates that
//! piecewise-constant power over time into calendar years and reporting periods
//! (kWh to TWh: × 24 h per day ÷ 10⁹), and tracks the IT load live (MW).

use super::World;

/// Buckets of time `[start, end)` in days, with the energy (TWh) drawn in each.
#[derive(Debug, Clone)]
struct Buckets {
    bounds: Vec<(f64, f64)>,
    twh: Vec<f64>,
    cursor: usize,
}

impl Buckets {
    fn new(bounds: Vec<(f64, f64)>) -> Self {
        let twh = vec![0.0; bounds.len()];
        Buckets {
            bounds,
            twh,
            cursor: 0,
        }
    }

    /// Adds power `kw` drawn over `[from, to)`; calls come in time order.
    fn add(&mut self, from: f64, to: f64, kw: f64) {
        while self.cursor < self.bounds.len() {
            let (start, end) = self.bounds[self.cursor];
            let (overlap_start, overlap_end) = (from.max(start), to.min(end));
            if overlap_end > overlap_start {
                self.twh[self.cursor] += kw * (overlap_end - overlap_start) * 24.0 / 1e9;
            }
            if to < end {
                return;
            }
            self.cursor += 1;
        }
    }
}

/// Power drawn by live accelerators, integrated over time.
#[derive(Debug, Clone)]
pub(super) struct EnergyMeter {
    utilisation: f64,
    facility_kw: f64,
    it_kw: f64,
    last_day: f64,
    years: Buckets,
    periods: Buckets,
}

impl EnergyMeter {
    pub fn new(world: &World) -> Self {
        use chrono::NaiveDate;
        let years = world
            .years()
            .into_iter()
            .map(|year| {
                let first = NaiveDate::from_ymd_opt(year, 1, 1)
                    .map_or(0.0, |d| world.day_of(d))
                    .max(0.0);
                let next =
                    NaiveDate::from_ymd_opt(year + 1, 1, 1).map_or(f64::MAX, |d| world.day_of(d));
                (first, next.min(world.horizon_days()))
            })
            .collect();
        let periods = world
            .periods
            .iter()
            .map(|p| (world.day_of(p.start), world.day_of(p.end) + 1.0))
            .collect();
        EnergyMeter {
            utilisation: world.utilisation,
            facility_kw: 0.0,
            it_kw: 0.0,
            last_day: 0.0,
            years: Buckets::new(years),
            periods: Buckets::new(periods),
        }
    }

    /// Integrates the current power up to `day`.
    pub fn advance(&mut self, day: f64) {
        if day > self.last_day {
            if self.facility_kw > 0.0 {
                self.years.add(self.last_day, day, self.facility_kw);
                self.periods.add(self.last_day, day, self.facility_kw);
            }
            self.last_day = day;
        }
    }

    /// `accelerators` more accelerators of `kw` each go live, in a facility of `pue`.
    pub fn add_live(&mut self, accelerators: f64, kw: f64, pue: f64) {
        self.it_kw += accelerators * kw;
        self.facility_kw += accelerators * kw * self.utilisation * pue;
    }

    /// The installed base goes live on day 0.
    pub fn add_installed_base(&mut self, world: &World) {
        for base in &world.installed_base {
            self.add_live(base.accelerators, base.kw_per_accelerator, base.pue);
        }
    }

    /// IT load live (MW).
    pub fn it_mw(&self) -> f64 {
        self.it_kw / 1000.0
    }

    /// Energy per calendar year (TWh), in the order of `World::years`.
    pub fn twh_by_year(&self) -> &[f64] {
        &self.years.twh
    }

    /// Energy per reporting period (TWh).
    pub fn twh_by_period(&self) -> &[f64] {
        &self.periods.twh
    }
}
