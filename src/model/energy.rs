//! Quantities that change in steps, integrated over time into calendar years and
//! reporting periods, per region: the power live accelerators draw (kW × utilisation ×
//! PUE, so kWh, reported as TWh: × 24 h per day ÷ 10⁹) and the accelerators late
//! against their need dates (accelerator-days). Only time inside the horizon counts.
//! Each region is advanced only when its level changes (and once at the end), so the
//! cost is O(1) per change plus the buckets it crosses.

use super::{RegionId, World};

/// Time buckets `[start, end)` in days.
fn year_bounds(world: &World) -> Vec<(f64, f64)> {
    use chrono::NaiveDate;
    world
        .years()
        .into_iter()
        .map(|year| {
            let first = NaiveDate::from_ymd_opt(year, 1, 1)
                .map_or(0.0, |d| world.day_of(d))
                .max(world.start_day);
            let next =
                NaiveDate::from_ymd_opt(year + 1, 1, 1).map_or(f64::MAX, |d| world.day_of(d));
            (first, next.min(world.horizon_days()))
        })
        .collect()
}

fn period_bounds(world: &World) -> Vec<(f64, f64)> {
    (world.periods.iter())
        .map(|p| (world.day_of(p.start), world.day_of(p.end) + 1.0))
        .collect()
}

/// Adds `level × overlap × scale` to each bucket of `bounds` overlapping `[from, to)`,
/// from `cursor` on (calls come in time order).
fn spread(
    bounds: &[(f64, f64)],
    cursor: &mut usize,
    totals: &mut [f64],
    from: f64,
    to: f64,
    amount_per_day: f64,
) {
    while *cursor < bounds.len() {
        let (start, end) = bounds[*cursor];
        let (overlap_start, overlap_end) = (from.max(start), to.min(end));
        if overlap_end > overlap_start {
            totals[*cursor] += amount_per_day * (overlap_end - overlap_start);
        }
        if to < end {
            return;
        }
        *cursor += 1;
    }
}

/// One region's stepwise level and where its integration has reached.
#[derive(Debug, Clone, Default)]
struct Track {
    level: f64,
    last_day: f64,
    year_cursor: usize,
    period_cursor: usize,
}

/// A stepwise quantity per region, integrated per year and per period.
#[derive(Debug, Clone)]
pub(super) struct Integrator {
    years: Vec<(f64, f64)>,
    periods: Vec<(f64, f64)>,
    /// Output units per (level × day).
    scale: f64,
    tracks: Vec<Track>,
    /// Region-major totals.
    by_year: Vec<f64>,
    by_period: Vec<f64>,
}

impl Integrator {
    /// Zero everywhere; integrals are `level × days × scale`.
    pub fn new(world: &World, scale: f64) -> Self {
        let (years, periods) = (year_bounds(world), period_bounds(world));
        let regions = world.regions.len();
        Integrator {
            by_year: vec![0.0; regions * years.len()],
            by_period: vec![0.0; regions * periods.len()],
            years,
            periods,
            scale,
            tracks: vec![Track::default(); regions],
        }
    }

    fn advance(&mut self, region: usize, day: f64) {
        let track = &mut self.tracks[region];
        if day <= track.last_day {
            return;
        }
        if track.level != 0.0 {
            let per_day = track.level * self.scale;
            let (ny, np) = (self.years.len(), self.periods.len());
            let years = &mut self.by_year[region * ny..(region + 1) * ny];
            spread(
                &self.years,
                &mut track.year_cursor,
                years,
                track.last_day,
                day,
                per_day,
            );
            let periods = &mut self.by_period[region * np..(region + 1) * np];
            spread(
                &self.periods,
                &mut track.period_cursor,
                periods,
                track.last_day,
                day,
                per_day,
            );
        }
        track.last_day = day;
    }

    /// Changes `region`'s level by `delta` from `day` on.
    pub fn change(&mut self, day: f64, region: RegionId, delta: f64) {
        if delta == 0.0 {
            return;
        }
        let region = region.0 as usize;
        self.advance(region, day);
        self.tracks[region].level += delta;
    }

    /// Integrates every region up to `day`.
    pub fn advance_all(&mut self, day: f64) {
        for region in 0..self.tracks.len() {
            self.advance(region, day);
        }
    }

    /// Total per calendar year, all regions, in the order of `World::years`.
    pub fn year_totals(&self) -> Vec<f64> {
        let years = self.years.len();
        (0..years)
            .map(|y| {
                (0..self.tracks.len())
                    .map(|r| self.by_year[r * years + y])
                    .sum()
            })
            .collect()
    }

    /// Total in `period`, for `region` or (None) all regions.
    pub fn period_total(&self, region: Option<RegionId>, period: usize) -> f64 {
        let periods = self.periods.len();
        match region {
            Some(r) => self.by_period[r.0 as usize * periods + period],
            None => (0..self.tracks.len())
                .map(|r| self.by_period[r * periods + period])
                .sum(),
        }
    }

    /// Total per calendar year for `region`.
    pub fn region_year_totals(&self, region: RegionId) -> &[f64] {
        let years = self.years.len();
        let r = region.0 as usize;
        &self.by_year[r * years..(r + 1) * years]
    }
}

/// Power drawn by live accelerators, integrated over time, and the IT load live.
#[derive(Debug, Clone)]
pub(super) struct EnergyMeter {
    utilisation: f64,
    /// kWh → TWh per kW-day: 24 h ÷ 10⁹.
    pub twh: Integrator,
    it_kw: Vec<f64>,
}

impl EnergyMeter {
    pub fn new(world: &World) -> Self {
        EnergyMeter {
            utilisation: world.utilisation,
            twh: Integrator::new(world, 24.0 / 1e9),
            it_kw: vec![0.0; world.regions.len()],
        }
    }

    /// `accelerators` more (or, negative, fewer) accelerators of `kw` each live in
    /// `region` from `day`, in a facility of `pue`.
    pub fn add_live(&mut self, day: f64, region: RegionId, accelerators: f64, kw: f64, pue: f64) {
        self.it_kw[region.0 as usize] += accelerators * kw;
        let facility_kw = accelerators * kw * self.utilisation * pue;
        self.twh.change(day, region, facility_kw);
    }

    /// IT load live (MW) in `region`, or everywhere.
    pub fn it_mw(&self, region: Option<RegionId>) -> f64 {
        match region {
            Some(r) => self.it_kw[r.0 as usize] / 1000.0,
            None => self.it_kw.iter().sum::<f64>() / 1000.0,
        }
    }
}
