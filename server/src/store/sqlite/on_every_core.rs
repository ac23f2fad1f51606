//! Work shared out over the machine's cores in contiguous runs, for the CPU-bound steps of report
//! reads (decoding kept books, rebuilding them after changes).

/// `f` of each of `items`, in order, computed in runs on every core.
pub(super) fn map_on_every_core<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || items.len() < 2 {
        return items.iter().map(&f).collect();
    }
    let share = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items[share..]
            .chunks(share)
            .map(|run| scope.spawn(move || run.iter().map(f).collect::<Vec<_>>()))
            .collect();
        let mut all: Vec<R> = items[..share].iter().map(f).collect();
        for h in handles {
            // A panic in `f` is a bug; re-raise it here rather than lose part of the result.
            all.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        all
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_the_order_of_the_items() {
        for n in [0, 1, 2, 3, 7, 100] {
            let items: Vec<usize> = (0..n).collect();
            let doubled = map_on_every_core(&items, |i| i * 2);
            assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        }
    }
}
