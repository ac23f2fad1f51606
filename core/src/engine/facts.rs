//! What the engine knows beside a visit's answers, gathered for the form and for sealing: the
//! county's low-income standard for the visit's year, and the answers the household's previous
//! sealed visit in the same category passed on.

use super::Engine;
use crate::protocol::CountyParameters;
use crate::store::LastVisitSummary;
use crate::template::Facts;
use crate::visit::{Draft, VisitError};

/// The standard a county set for `year`, else its latest standard of an earlier year. A later
/// year's standard never applies to an earlier visit.
pub(crate) fn low_income_standard(params: &CountyParameters, year: i32) -> Option<f64> {
    params
        .low_income_standards
        .iter()
        .filter(|s| s.year <= year && s.yuan_per_person_month.is_finite())
        .max_by_key(|s| s.year)
        .map(|s| s.yuan_per_person_month)
}

/// The facts of a draft. The previous visit is the last one sealed for the household and
/// category, unless that is the visit itself or the visit this draft corrects: then the phone
/// does not know the previous visit, and the worker's answer stands in for it.
pub(crate) fn draft_facts(
    params: &CountyParameters,
    previous: Option<LastVisitSummary>,
    draft: &Draft,
) -> Facts {
    let year = chrono::Datelike::year(&draft.started_at.date_naive());
    let previous = previous
        .filter(|p| p.visit_id != draft.visit_id && draft.amends.as_ref() != Some(&p.visit_id))
        .map(|p| p.carried)
        .unwrap_or_default();
    Facts {
        low_income_standard: low_income_standard(params, year),
        previous,
    }
}

impl Engine {
    /// The facts of a draft, read from the store.
    pub(crate) fn facts_of(&self, draft: &Draft) -> Result<Facts, VisitError> {
        let params = self.store.parameters()?;
        let previous = self.store.last_visit(&draft.household_id, draft.category)?;
        Ok(draft_facts(&params, previous, draft))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::protocol::LowIncomeStandard;

    fn params(list: &[(i32, f64)]) -> CountyParameters {
        CountyParameters {
            low_income_standards: list
                .iter()
                .map(|(year, yuan)| LowIncomeStandard {
                    year: *year,
                    yuan_per_person_month: *yuan,
                })
                .collect(),
        }
    }

    #[test]
    fn the_visit_year_standard_applies() {
        let p = params(&[(2025, 880.0), (2026, 930.0), (2027, 990.0)]);
        assert_eq!(low_income_standard(&p, 2026), Some(930.0));
    }

    #[test]
    fn without_one_for_the_year_the_latest_earlier_applies() {
        let p = params(&[(2027, 990.0), (2023, 800.0), (2024, 850.0)]);
        assert_eq!(low_income_standard(&p, 2026), Some(850.0));
    }

    #[test]
    fn a_later_year_or_none_gives_no_standard() {
        assert_eq!(low_income_standard(&params(&[(2027, 990.0)]), 2026), None);
        assert_eq!(low_income_standard(&params(&[]), 2026), None);
    }
}
