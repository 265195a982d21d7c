//! The search: a greedy allocation by marginal value per cost with local improvement,
//! on the search replications. From nothing bought, each round looks at one kind of
//! move from the current allocation, in this order, and takes the first kind that
//! helps:
//!
//! 1. **add** one step of one investment;
//! 2. **pair**: one step each of two investments (for complements such as two stages
//!    in series, where neither helps alone), tried only when no single step helps;
//! 3. **swap**: take the fewest steps from one investment that make one more step of
//!    another affordable, tried only when no addition helps.
//!
//! Every move must stay within the budget and each `max_steps`. A move *helps* when its
//! paired benefit over the current allocation is significant: the lower end of its
//! interval is above zero at confidence 1 − 0.05/m, m the number of moves of that
//! round (Bonferroni), so noise alone rarely buys anything. Among the moves that help,
//! an addition or a pair is chosen by benefit per cost unit added, a swap by benefit;
//! ties go to the earliest move in the file's order of investments. The search stops at
//! a local optimum (no move of any kind helps), after `max_evaluations` allocations, or
//! when interrupted. Each allocation is evaluated once; the objective improves with
//! every accepted move, so the search cannot cycle.

use serde::Serialize;

use super::evaluate::{Evaluator, Move, Stage};
use super::spec::OptimizeSpec;
use super::OptimizeError;

/// The family-wise error rate of the search's and the selection's comparisons.
pub(crate) const ALPHA: f64 = 0.05;

/// Why the search stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchStop {
    /// No addition, pair or swap helps.
    LocalOptimum,
    /// `max_evaluations` allocations were evaluated.
    MaxEvaluations,
    /// Stopped by the cancel flag.
    Interrupted,
}

impl SearchStop {
    /// Its label in the manifest and messages.
    pub fn label(self) -> &'static str {
        match self {
            SearchStop::LocalOptimum => "local_optimum",
            SearchStop::MaxEvaluations => "max_evaluations",
            SearchStop::Interrupted => "interrupted",
        }
    }
}

/// Where the search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SearchOutcome {
    /// The trace index of the final allocation.
    pub(crate) current: usize,
    /// Why it stopped.
    pub(crate) stop: SearchStop,
    /// Moves accepted.
    pub(crate) accepted_moves: usize,
}

/// What ends a search early: a stopping rule, or a failure.
enum Halt {
    Stop(SearchStop),
    Failed(OptimizeError),
}

impl From<OptimizeError> for Halt {
    fn from(error: OptimizeError) -> Self {
        match error {
            OptimizeError::Interrupted => Halt::Stop(SearchStop::Interrupted),
            other => Halt::Failed(other),
        }
    }
}

/// The allocations one move of `kind` reaches from `steps`, in the file's order of
/// investments, within the budget and every `max_steps`.
fn neighbours(spec: &OptimizeSpec, steps: &[u32], kind: Move) -> Vec<Vec<u32>> {
    let k = steps.len();
    // `steps` with counts changed, if every count stays within 0..=u32::MAX.
    let with = |changes: &[(usize, i64)]| {
        let mut next = steps.to_vec();
        for &(index, change) in changes {
            next[index] = u32::try_from(i64::from(next[index]) + change).ok()?;
        }
        Some(next)
    };
    let candidates: Vec<Vec<u32>> = match kind {
        Move::Add => (0..k).filter_map(|i| with(&[(i, 1)])).collect(),
        Move::Pair => (0..k)
            .flat_map(|i| (i + 1..k).map(move |j| (i, j)))
            .filter_map(|(i, j)| with(&[(i, 1), (j, 1)]))
            .collect(),
        Move::Swap => (0..k)
            .flat_map(|from| (0..k).map(move |to| (from, to)))
            .filter(|(from, to)| from != to)
            .filter_map(|(from, to)| {
                (1..=i64::from(steps[from]))
                    .filter_map(|taken| with(&[(from, -taken), (to, 1)]))
                    .find(|next| spec.within_budget(spec.cost(next)))
            })
            .collect(),
        Move::Start | Move::Finalist | Move::NextStep => Vec::new(),
    };
    candidates
        .into_iter()
        .filter(|next| spec.affordable(next))
        .collect()
}

/// Runs the search from nothing bought; see the module docs. Fails with
/// [`OptimizeError::Interrupted`] only when interrupted before the first evaluation.
pub(crate) fn search(evaluator: &mut Evaluator<'_>) -> Result<SearchOutcome, OptimizeError> {
    let nothing = vec![0; evaluator.problem.investments().len()];
    let start = evaluator.evaluate(&nothing, Stage::Search, Move::Start)?;
    evaluator.trace[start].accepted = true;
    let mut outcome = SearchOutcome {
        current: start,
        stop: SearchStop::LocalOptimum,
        accepted_moves: 0,
    };
    match climb(evaluator, &mut outcome) {
        Ok(()) => Ok(outcome),
        Err(Halt::Stop(stop)) => Ok(SearchOutcome { stop, ..outcome }),
        Err(Halt::Failed(error)) => Err(error),
    }
}

/// Takes helpful moves until none is left.
fn climb(evaluator: &mut Evaluator<'_>, outcome: &mut SearchOutcome) -> Result<(), Halt> {
    let problem = evaluator.problem;
    let spec = &problem.spec;
    'moves: loop {
        for kind in [Move::Add, Move::Pair, Move::Swap] {
            let current = outcome.current;
            let moves = neighbours(spec, &evaluator.trace[current].steps, kind);
            let confidence = 1.0 - ALPHA / moves.len().max(1) as f64;
            let mut best: Option<(f64, usize)> = None;
            for steps in moves {
                if evaluator.searched() as u64 >= spec.max_evaluations {
                    return Err(Halt::Stop(SearchStop::MaxEvaluations));
                }
                let next = evaluator.evaluate(&steps, Stage::Search, kind)?;
                let benefit = evaluator.benefit(current, next, confidence);
                if benefit.low > 0.0 {
                    let score = match kind {
                        Move::Swap => benefit.value,
                        _ => {
                            benefit.value
                                / (spec.cost(&steps) - spec.cost(&evaluator.trace[current].steps))
                        }
                    };
                    if best.is_none_or(|(top, _)| score > top) {
                        best = Some((score, next));
                    }
                }
            }
            if let Some((_, next)) = best {
                evaluator.trace[next].accepted = true;
                outcome.current = next;
                outcome.accepted_moves += 1;
                continue 'moves;
            }
        }
        return Ok(());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optimize::spec::{Goal, Investment, Objective, Statistic};

    fn spec(costs: &[f64], budget: f64, max_steps: Option<u32>) -> OptimizeSpec {
        OptimizeSpec {
            objective: Objective {
                metric: "m".into(),
                goal: Goal::Min,
                statistic: Statistic::Mean,
            },
            budget,
            cost_unit: "units".into(),
            replications: None,
            max_evaluations: 100,
            finalists: 3,
            investments: (costs.iter().enumerate())
                .map(|(i, &cost)| Investment {
                    name: format!("i{i}"),
                    paths: vec![format!("p{i}")],
                    step: 1.0,
                    cost_per_step: cost,
                    max_steps,
                    from: None,
                })
                .collect(),
        }
    }

    #[test]
    fn moves_stay_within_the_budget_and_max_steps() {
        let capped = spec(&[1.0, 2.0], 8.0, Some(3));
        assert_eq!(
            neighbours(&capped, &[3, 1], Move::Add),
            vec![vec![3, 2]],
            "the first is at max_steps"
        );
        let spec = spec(&[1.0, 2.0], 8.0, None);
        assert!(
            neighbours(&spec, &[4, 2], Move::Add).is_empty(),
            "budget spent"
        );
        assert_eq!(neighbours(&spec, &[1, 1], Move::Pair), vec![vec![2, 2]]);
        // From (4, 2), cost 8: one step of the second (2) needs two of the first (1 each);
        // one of the second frees enough for one of the first.
        assert_eq!(
            neighbours(&spec, &[4, 2], Move::Swap),
            vec![vec![2, 3], vec![5, 1]]
        );
        // Nothing bought: nothing to swap.
        assert!(neighbours(&spec, &[0, 0], Move::Swap).is_empty());
    }

    #[test]
    fn forty_steps_of_two_and_a_half_fit_a_budget_of_one_hundred() {
        let spec = spec(&[2.5], 100.0, None);
        assert!(spec.affordable(&[40]));
        assert!(!spec.affordable(&[41]));
        assert_eq!(spec.limit(0), 40);
    }
}
