//! Design points: which value each parameter takes at each point of a one-at-a-time,
//! grid, Latin hypercube or Morris design. A point's coordinate is the parameter's value
//! (or multiplier, for `scale`); `None` leaves the base scenario as it is.
//!
//! Random designs draw from `stream(base seed, "sweep/<design>")`, so the same seed gives
//! the same points, and a shard or a merge regenerates exactly the design of the run.

use rand::seq::SliceRandom;
use rand::Rng;

use crate::random::stream;

use super::spec::{DesignSpec, Levels, Setting};

/// A parameter as the design and the outputs see it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterInfo {
    /// Label.
    pub name: String,
    /// Value or multiplier.
    pub setting: Setting,
    /// Its values.
    pub levels: Levels,
    /// The coordinate of the base scenario: 1 for a multiplier; for a value, the base
    /// value when every matched place holds the same one.
    pub base: Option<f64>,
}

impl ParameterInfo {
    /// The smallest and largest value the parameter can take.
    pub fn bounds(&self) -> (f64, f64) {
        match &self.levels {
            Levels::Range { low, high } => (*low, *high),
            Levels::List(values) => values
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), &v| {
                    (low.min(v), high.max(v))
                }),
        }
    }

    /// `coordinate` scaled to [0, 1] over the parameter's bounds.
    pub fn unit(&self, coordinate: f64) -> f64 {
        let (low, high) = self.bounds();
        (coordinate - low) / (high - low)
    }

    /// The value at `fraction` of the way from low to high.
    fn at(&self, fraction: f64) -> f64 {
        let (low, high) = self.bounds();
        low + fraction * (high - low)
    }

    /// Explicit values, or `count` evenly spaced values of the range, ends included.
    fn values(&self, count: u64) -> Vec<f64> {
        match &self.levels {
            Levels::List(values) => values.clone(),
            Levels::Range { .. } => (0..count)
                .map(|i| self.at(i as f64 / (count - 1) as f64))
                .collect(),
        }
    }
}

/// The points of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Kind and settings.
    pub spec: DesignSpec,
    /// The parameters, in file order.
    pub parameters: Vec<ParameterInfo>,
    /// One coordinate per parameter per point; `None` is the base scenario's value.
    pub points: Vec<Vec<Option<f64>>>,
}

/// How many points `spec` has for `parameters` (saturating), to refuse huge designs
/// before building them.
pub fn point_count(spec: DesignSpec, parameters: &[ParameterInfo]) -> u64 {
    let levels = |p: &ParameterInfo, range_levels: u64| match &p.levels {
        Levels::List(values) => values.len() as u64,
        Levels::Range { .. } => range_levels,
    };
    let k = parameters.len() as u64;
    match spec {
        DesignSpec::OneAtATime => parameters
            .iter()
            .fold(1_u64, |n, p| n.saturating_add(levels(p, 2))),
        DesignSpec::Grid { levels: count } => parameters
            .iter()
            .fold(1_u64, |n, p| n.saturating_mul(levels(p, count))),
        DesignSpec::LatinHypercube { points } => points,
        DesignSpec::Morris { trajectories, .. } => trajectories.saturating_mul(k + 1),
    }
}

/// Builds the points of `spec`; random designs are seeded from `base_seed`.
pub fn build(spec: DesignSpec, parameters: Vec<ParameterInfo>, base_seed: u64) -> Design {
    let k = parameters.len();
    let points = match spec {
        DesignSpec::OneAtATime => {
            let mut points = vec![vec![None; k]];
            for (i, parameter) in parameters.iter().enumerate() {
                for value in parameter.values(2) {
                    let mut point = vec![None; k];
                    point[i] = Some(value);
                    points.push(point);
                }
            }
            points
        }
        DesignSpec::Grid { levels } => {
            let axes: Vec<Vec<f64>> = parameters.iter().map(|p| p.values(levels)).collect();
            // The last parameter varies fastest.
            axes.iter().fold(vec![Vec::new()], |points, axis| {
                points
                    .iter()
                    .flat_map(|point| {
                        axis.iter().map(move |&value| {
                            let mut next = point.clone();
                            next.push(Some(value));
                            next
                        })
                    })
                    .collect()
            })
        }
        DesignSpec::LatinHypercube { points: n } => {
            let mut rng = stream(base_seed, "sweep/latin_hypercube");
            let n = n as usize;
            let mut points = vec![Vec::with_capacity(k); n];
            for parameter in &parameters {
                let mut strata: Vec<usize> = (0..n).collect();
                strata.shuffle(&mut rng);
                for (point, stratum) in points.iter_mut().zip(strata) {
                    let fraction = (stratum as f64 + rng.random::<f64>()) / n as f64;
                    point.push(Some(parameter.at(fraction)));
                }
            }
            points
        }
        DesignSpec::Morris {
            trajectories,
            levels,
        } => {
            let mut rng = stream(base_seed, "sweep/morris");
            let top = levels - 1;
            // The step Δ = p / (2 (p − 1)), in grid levels: p / 2.
            let jump = levels / 2;
            let mut points = Vec::new();
            for _ in 0..trajectories {
                let mut grid: Vec<u64> = (0..k).map(|_| rng.random_range(0..levels)).collect();
                let mut order: Vec<usize> = (0..k).collect();
                order.shuffle(&mut rng);
                let coordinates = |grid: &[u64]| -> Vec<Option<f64>> {
                    (parameters.iter().zip(grid))
                        .map(|(p, &level)| Some(p.at(level as f64 / top as f64)))
                        .collect()
                };
                points.push(coordinates(&grid));
                for i in order {
                    grid[i] = if grid[i] + jump <= top {
                        grid[i] + jump
                    } else {
                        grid[i] - jump
                    };
                    points.push(coordinates(&grid));
                }
            }
            points
        }
    };
    Design {
        spec,
        parameters,
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(name: &str, low: f64, high: f64) -> ParameterInfo {
        ParameterInfo {
            name: name.into(),
            setting: Setting::Value,
            levels: Levels::Range { low, high },
            base: None,
        }
    }

    #[test]
    fn one_at_a_time_moves_one_parameter_from_the_base() {
        let mut listed = range("b", 0.0, 1.0);
        listed.levels = Levels::List(vec![5.0, 6.0, 7.0]);
        let design = build(
            DesignSpec::OneAtATime,
            vec![range("a", 1.0, 2.0), listed],
            1,
        );
        assert_eq!(
            design.points,
            vec![
                vec![None, None],
                vec![Some(1.0), None],
                vec![Some(2.0), None],
                vec![None, Some(5.0)],
                vec![None, Some(6.0)],
                vec![None, Some(7.0)],
            ]
        );
        assert_eq!(point_count(design.spec, &design.parameters), 6);
    }

    #[test]
    fn grid_is_every_combination() {
        let design = build(
            DesignSpec::Grid { levels: 3 },
            vec![range("a", 0.0, 1.0), range("b", 10.0, 20.0)],
            1,
        );
        assert_eq!(design.points.len(), 9);
        assert_eq!(design.points[1], vec![Some(0.0), Some(15.0)]);
        assert_eq!(design.points[8], vec![Some(1.0), Some(20.0)]);
    }

    #[test]
    fn morris_steps_change_one_parameter_by_delta() {
        let parameters = vec![
            range("a", 0.0, 3.0),
            range("b", 0.0, 3.0),
            range("c", 0.0, 3.0),
        ];
        let design = build(
            DesignSpec::Morris {
                trajectories: 20,
                levels: 4,
            },
            parameters,
            9,
        );
        assert_eq!(design.points.len(), 80);
        for trajectory in design.points.chunks(4) {
            let mut moved = Vec::new();
            for pair in trajectory.windows(2) {
                let changed: Vec<usize> = (0..3).filter(|&i| pair[0][i] != pair[1][i]).collect();
                assert_eq!(changed.len(), 1);
                let i = changed[0];
                let step = pair[1][i].unwrap_or_default() - pair[0][i].unwrap_or_default();
                assert!((step.abs() - 2.0).abs() < 1e-12, "Δ = 2/3 of the range");
                moved.push(i);
            }
            moved.sort_unstable();
            assert_eq!(moved, vec![0, 1, 2], "each parameter moves once");
        }
    }
}
