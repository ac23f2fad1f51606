//! The seeded county: one fictitious county of three townships and nine villages, its staff, its
//! households of every category with synthetic people, and each household's visits planned back
//! from an anchor day. The same anchor always gives the same county, so a second run can tell what
//! is already there.

pub mod answers;
pub mod dice;
pub mod people;
pub mod plan;
pub mod recording;
pub mod staff;
pub mod units;

use chrono::NaiveDate;
use fieldvisit_core::caseload::{Category, Household};

use self::plan::HouseholdPlan;

/// Fewest and most households a seeded county may have.
pub const HOUSEHOLD_RANGE: std::ops::RangeInclusive<usize> = 12..=3000;

/// One household of the county with its worker and plan.
#[derive(Debug, Clone)]
pub struct CountyHousehold {
    /// The household.
    pub household: Household,
    /// Staff id of its worker.
    pub worker_id: String,
    /// Its visits.
    pub plan: HouseholdPlan,
}

/// The county's `n` households, planned back from `anchor`.
pub fn county_households(n: usize, anchor: NaiveDate) -> Vec<CountyHousehold> {
    let villages = units::villages();
    let mut plans: Vec<(Category, HouseholdPlan)> = (0..n)
        .map(|i| {
            let c = people::category_of(i);
            (c, plan::plan_household(i, c, anchor))
        })
        .collect();
    plan::mark_police(&mut plans);
    plans
        .into_iter()
        .enumerate()
        .map(|(i, (_, plan))| {
            let village = &villages[i % villages.len()];
            // The first village of a station is worker 1's, the second worker 2's; the third is shared.
            let w = match village.index {
                0 => 0,
                1 => 1,
                _ => i % 2,
            };
            CountyHousehold {
                household: people::household(i, village, anchor, plan.since),
                worker_id: staff::worker_id(village.township, w),
                plan,
            }
        })
        .collect()
}
