//! Counts cross as `i32` (Kotlin `Int`, Swift `Int32`) and sizes and sequence numbers as `i64`
//! (Kotlin `Long`, Swift `Int64`): Kotlin's unsigned types do not mix with its everyday APIs. The
//! values always fit; a value that did not would be shown as the largest one, never wrapped.

/// A count as `i32`.
pub(crate) fn count<T: TryInto<i32>>(n: T) -> i32 {
    n.try_into().unwrap_or(i32::MAX)
}

/// A size or sequence number as `i64`.
pub(crate) fn long<T: TryInto<i64>>(n: T) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_saturate_instead_of_wrapping() {
        assert_eq!(count(7usize), 7);
        assert_eq!(count(u64::MAX), i32::MAX);
        assert_eq!(long(u64::MAX), i64::MAX);
        assert_eq!(long(42u64), 42);
    }
}
