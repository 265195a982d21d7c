//! After the search: ranking and selection among the best few allocations, then the
//! marginal value of one more step of each investment at the chosen optimum. Both run
//! on the selection replications, fresh seeds that played no part in the search, so the
//! search's luck (the best of many noisy estimates looks better than it is) does not
//! carry over.
//!
//! **Selection.** The finalists are the search's final allocation and the next best
//! allocations the search evaluated (by their search estimate, cheaper first on ties),
//! `finalists` in all; an allocation with exactly the replication values of a cheaper
//! one (it adds something that changes nothing) is left out. Each is evaluated on the
//! selection replications and compared with every other by the paired difference, with
//! simultaneous 95 % intervals for each finalist's comparisons (Bonferroni over its
//! k − 1 rivals). The finalists that no rival beats significantly form the *best
//! subset*, which holds the best of the finalists with about 95 % confidence (subset
//! selection by multiple comparisons with the best); it always holds the best estimate.
//! The optimum is the cheapest allocation of the best subset (the better estimate on
//! ties): money goes only where the data shows it helps, as in the search. The best is
//! *certain* when the subset holds one allocation: it is then distinguishable from every
//! runner-up.
//!
//! **Marginal values.** For each investment, the optimum plus one step (beyond the
//! budget if need be: a shadow price; not beyond `max_steps`) is evaluated; its paired
//! change of the objective, per cost unit, is what the next unit of money buys there.
//! Investments are ranked by that benefit per cost, and each is compared with the next
//! in rank by the paired difference of their benefits per cost, with simultaneous 95 %
//! intervals (Bonferroni over the adjacent pairs): the order of the two is *certain*
//! when the interval is above zero.

use super::estimate::Estimate;
use super::evaluate::{Evaluator, Move, Stage};
use super::search::{SearchOutcome, ALPHA};
use super::OptimizeError;

/// One finalist of the selection.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Finalist {
    /// Its trace index on the search replications.
    pub(crate) searched: usize,
    /// Its trace index on the selection replications.
    pub(crate) selected: usize,
    /// The best estimate's benefit over it (simultaneous interval); `None` for the best
    /// estimate itself.
    pub(crate) shortfall: Option<Estimate>,
    /// No rival beats it significantly.
    pub(crate) in_best_subset: bool,
}

/// The ranking and selection's result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Selection {
    /// By selection estimate, best first.
    pub(crate) finalists: Vec<Finalist>,
    /// The optimum: the cheapest finalist of the best subset (index into `finalists`).
    pub(crate) chosen: usize,
    /// The confidence of each comparison.
    pub(crate) confidence: f64,
}

impl Selection {
    /// The optimum's trace index on the selection replications.
    pub(crate) fn optimum(&self) -> usize {
        self.finalists[self.chosen].selected
    }

    /// Whether the best subset holds one allocation, distinguishable from every
    /// runner-up (`None` without runners-up).
    pub(crate) fn certain(&self) -> Option<bool> {
        (self.finalists.len() > 1)
            .then(|| self.finalists.iter().filter(|f| f.in_best_subset).count() == 1)
    }
}

/// The marginal value of one more step of one investment at the optimum.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Marginal {
    /// The investment's index.
    pub(crate) investment: usize,
    /// The trace index of the optimum plus one step; `None` at `max_steps`.
    pub(crate) evaluation: Option<usize>,
    /// The objective's paired change (95 % interval).
    pub(crate) change: Option<Estimate>,
    /// The change per cost unit.
    pub(crate) change_per_cost: Option<Estimate>,
    /// 1 = the most benefit per cost unit.
    pub(crate) rank: Option<usize>,
    /// Its benefit per cost unit minus the next-ranked investment's (simultaneous
    /// interval); `None` for the last.
    pub(crate) lead_over_next: Option<Estimate>,
}

/// Orders evaluations `a` and `b`: the better objective estimate by the goal first,
/// then the cheaper.
fn ranks_before(evaluator: &Evaluator<'_>, a: usize, b: usize) -> std::cmp::Ordering {
    let sign = evaluator.problem.spec.objective.goal.sign();
    let (a, b) = (&evaluator.trace[a], &evaluator.trace[b]);
    (sign * b.objective.value)
        .total_cmp(&(sign * a.objective.value))
        .then(a.cost.total_cmp(&b.cost))
}

/// The search evaluations that become finalists; see the module docs.
fn finalists_of(evaluator: &Evaluator<'_>, search: &SearchOutcome) -> Vec<usize> {
    let mut searched: Vec<usize> = (0..evaluator.trace.len())
        .filter(|&i| evaluator.trace[i].stage == Stage::Search)
        .collect();
    searched.sort_by(|&a, &b| ranks_before(evaluator, a, b).then(a.cmp(&b)));
    let same_outcome = |a: usize, b: usize| evaluator.trace[a].values == evaluator.trace[b].values;
    let size = evaluator.problem.spec.finalists;
    let mut picked: Vec<usize> = Vec::with_capacity(size);
    for &candidate in &searched {
        if picked.len() < size && !picked.iter().any(|&c| same_outcome(c, candidate)) {
            picked.push(candidate);
        }
    }
    if !picked.iter().any(|&c| same_outcome(c, search.current)) {
        picked.pop();
        picked.push(search.current);
    }
    picked
}

/// Evaluates the finalists on the selection replications and chooses the optimum;
/// see the module docs.
pub(crate) fn select(
    evaluator: &mut Evaluator<'_>,
    search: &SearchOutcome,
) -> Result<Selection, OptimizeError> {
    let mut finalists = Vec::new();
    for searched in finalists_of(evaluator, search) {
        let steps = evaluator.trace[searched].steps.clone();
        let selected = evaluator.evaluate(&steps, Stage::Selection, Move::Finalist)?;
        finalists.push(Finalist {
            searched,
            selected,
            shortfall: None,
            in_best_subset: true,
        });
    }
    finalists.sort_by(|a, b| ranks_before(evaluator, a.selected, b.selected));
    let confidence = 1.0 - ALPHA / (finalists.len().max(2) - 1) as f64;
    let best = finalists[0].selected;
    let costs: Vec<f64> = (finalists.iter())
        .map(|f| evaluator.trace[f.selected].cost)
        .collect();
    let (subset, chosen) = best_subset(&costs, |rival, finalist| {
        let (rival, finalist) = (finalists[rival].selected, finalists[finalist].selected);
        evaluator.benefit(finalist, rival, confidence).low > 0.0
    });
    for (finalist, in_best_subset) in finalists.iter_mut().zip(subset) {
        finalist.in_best_subset = in_best_subset;
        finalist.shortfall = (finalist.selected != best)
            .then(|| evaluator.benefit(finalist.selected, best, confidence));
    }
    evaluator.trace[finalists[chosen].selected].accepted = true;
    Ok(Selection {
        finalists,
        chosen,
        confidence,
    })
}

/// Which of the finalists (given by cost) no rival beats, `beats(rival, finalist)`, and
/// the index of the cheapest of them (the earliest on ties).
fn best_subset(costs: &[f64], beats: impl Fn(usize, usize) -> bool) -> (Vec<bool>, usize) {
    let count = costs.len();
    let subset: Vec<bool> = (0..count)
        .map(|finalist| !(0..count).any(|rival| rival != finalist && beats(rival, finalist)))
        .collect();
    let chosen = (0..count)
        .filter(|&i| subset[i])
        .min_by(|&a, &b| costs[a].total_cmp(&costs[b]).then(a.cmp(&b)))
        .unwrap_or(0);
    (subset, chosen)
}

/// The marginal value of one more step of every investment at the evaluation
/// `optimum` (selection replications); see the module docs.
pub(crate) fn marginals(
    evaluator: &mut Evaluator<'_>,
    optimum: usize,
) -> Result<Vec<Marginal>, OptimizeError> {
    let problem = evaluator.problem;
    let investments = problem.investments();
    let sign = problem.spec.objective.goal.sign();
    let mut marginals = Vec::with_capacity(investments.len());
    for (index, investment) in investments.iter().enumerate() {
        let mut steps = evaluator.trace[optimum].steps.clone();
        let evaluation = if steps[index] < problem.reach(index) {
            steps[index] += 1;
            Some(evaluator.evaluate(&steps, Stage::Marginal, Move::NextStep)?)
        } else {
            None
        };
        let change = evaluation.map(|next| {
            evaluator.estimator.contrast(
                &[
                    (1.0, &evaluator.trace[next].values),
                    (-1.0, &evaluator.trace[optimum].values),
                ],
                0.95,
            )
        });
        marginals.push(Marginal {
            investment: index,
            evaluation,
            change,
            change_per_cost: change.map(|c| c.scaled(1.0 / investment.cost_per_step)),
            rank: None,
            lead_over_next: None,
        });
    }
    let mut ranked: Vec<usize> = (0..marginals.len())
        .filter(|&i| marginals[i].change_per_cost.is_some())
        .collect();
    let benefit = |i: usize| {
        marginals[i]
            .change_per_cost
            .map_or(f64::NAN, |c| sign * c.value)
    };
    ranked.sort_by(|&a, &b| benefit(b).total_cmp(&benefit(a)).then(a.cmp(&b)));
    for (position, &index) in ranked.iter().enumerate() {
        marginals[index].rank = Some(position + 1);
    }
    let confidence = 1.0 - ALPHA / (ranked.len().max(2) - 1) as f64;
    for pair in ranked.windows(2) {
        let (a, b) = (&marginals[pair[0]], &marginals[pair[1]]);
        let (Some(next_a), Some(next_b)) = (a.evaluation, b.evaluation) else {
            continue;
        };
        let per_a = sign / investments[a.investment].cost_per_step;
        let per_b = sign / investments[b.investment].cost_per_step;
        let optimum_values = &evaluator.trace[optimum].values;
        let lead = evaluator.estimator.contrast(
            &[
                (per_a, &evaluator.trace[next_a].values),
                (-per_a, optimum_values),
                (-per_b, &evaluator.trace[next_b].values),
                (per_b, optimum_values),
            ],
            confidence,
        );
        marginals[pair[0]].lead_over_next = Some(lead);
    }
    Ok(marginals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_optimum_is_the_cheapest_allocation_no_rival_beats() {
        // Finalists by estimate: 0 beats 2 only; 1 is as good as 0 and cheaper.
        let (subset, chosen) = best_subset(&[5.0, 2.0, 1.0], |rival, finalist| {
            (rival, finalist) == (0, 2)
        });
        assert_eq!(subset, [true, true, false]);
        assert_eq!(chosen, 1);
        // The best beats every rival: certain, and chosen whatever it costs.
        let (subset, chosen) = best_subset(&[9.0, 2.0, 1.0], |rival, _| rival == 0);
        assert_eq!(subset, [true, false, false]);
        assert_eq!(chosen, 0);
        // Equal costs: the better estimate.
        let (_, chosen) = best_subset(&[3.0, 3.0], |_, _| false);
        assert_eq!(chosen, 0);
    }
}
