//! Long lists are shown a page at a time; the page number travels in the query like the filter.

/// One page of a list, and the links to its neighbours.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    /// The rows on this page.
    pub rows: Vec<T>,
    /// This page, from 1.
    pub page: usize,
    /// How many pages there are (at least 1).
    pub pages: usize,
    /// Rows over all pages.
    pub total: usize,
    /// The previous page's link.
    pub prev: Option<String>,
    /// The next page's link.
    pub next: Option<String>,
}

/// Rows per page.
pub const PAGE_SIZE: usize = 50;

/// Page `page` (from 1; out of range is clamped) of `all`; `link(n)` is page n's address.
pub fn paginate<T>(all: Vec<T>, page: usize, link: impl Fn(usize) -> String) -> Paged<T> {
    let total = all.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let rows = all
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    Paged {
        rows,
        page,
        pages,
        total,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn pages_hold_fifty_rows_and_clamp_out_of_range() {
        let p = paginate((0..120).collect(), 3, |n| format!("?page={n}"));
        assert_eq!((p.rows.len(), p.page, p.pages, p.total), (20, 3, 3, 120));
        assert_eq!(p.prev.as_deref(), Some("?page=2"));
        assert!(p.next.is_none());
        let p = paginate((0..10).collect::<Vec<i32>>(), 9, |n| n.to_string());
        assert_eq!((p.page, p.pages, p.rows.len()), (1, 1, 10));
        let p = paginate(Vec::<i32>::new(), 1, |n| n.to_string());
        assert_eq!((p.pages, p.total), (1, 0));
    }
}
