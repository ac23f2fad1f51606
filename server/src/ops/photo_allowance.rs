//! How many photos a visit of a template may carry: what the manifest of an envelope is checked
//! against at ingest, so a phone (or anyone holding its key) cannot store more photos than its
//! form could have taken.

use fieldvisit_core::template::{Item, ItemKind, Template};

/// Most photos any visit may carry, whatever its template says.
pub const MAX_PHOTOS_PER_VISIT: u64 = 100;

/// The photos one item may hold: a photo item its most, a repeat group its most instances times
/// what one instance holds.
fn of_item(item: &Item) -> u64 {
    match &item.kind {
        ItemKind::Photo { max_count, .. } => u64::from(*max_count),
        ItemKind::Repeat {
            items, max_count, ..
        } => u64::from(*max_count).saturating_mul(items.iter().map(of_item).sum()),
        _ => 0,
    }
}

/// The photos a visit of `template` may carry.
pub fn of_template(template: &Template) -> u64 {
    template
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .map(of_item)
        .sum::<u64>()
        .min(MAX_PHOTOS_PER_VISIT)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn each_builtin_template_allows_some_photos_and_no_more_than_the_cap() {
        for t in fieldvisit_core::template::builtin::builtin_templates().unwrap() {
            let n = of_template(&t);
            assert!(
                (1..=MAX_PHOTOS_PER_VISIT).contains(&n),
                "{} allows {n}",
                t.id
            );
        }
    }
}
