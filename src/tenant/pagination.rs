//! When to ask for the next page of a Management API list.
//!
//! Auth0 omits `total` (and `page`) when zero, so `total` alone cannot be trusted to be there.
//! The robust rule is "a short page is the last"; a present `total` additionally saves the empty
//! request that would otherwise follow a list of exactly 100, 200, … items.

/// Page size for every list: the largest Auth0 is known to accept.
pub const PER_PAGE: usize = 100;

/// A guard against a server that ignores `page` and returns the same full page forever.
const MAX_PAGES: u32 = 1000;

/// The next page to request after page `page` brought `received` items, making `fetched` in
/// all, when the response said `total` (0 when omitted). `None` when the list is complete.
pub fn next_page(page: u32, received: usize, total: u64, fetched: usize) -> Option<u32> {
    let short = received < PER_PAGE;
    let all_counted = total > 0 && fetched as u64 >= total;
    if short || all_counted || page + 1 >= MAX_PAGES {
        None
    } else {
        Some(page + 1)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    /// The pages requested for `n` items, with or without `total` in the responses.
    fn pages_for(n: usize, with_total: bool) -> u32 {
        let (mut page, mut fetched, mut requests) = (0u32, 0usize, 0u32);
        loop {
            requests += 1;
            let received = n.saturating_sub(page as usize * PER_PAGE).min(PER_PAGE);
            fetched += received;
            let total = if with_total { n as u64 } else { 0 };
            match next_page(page, received, total, fetched) {
                Some(next) => page = next,
                None => return requests,
            }
        }
    }

    #[test]
    fn requests_as_few_pages_as_the_response_allows() {
        assert_eq!(pages_for(0, false), 1);
        assert_eq!(pages_for(1, true), 1);
        assert_eq!(pages_for(250, false), 3);
        assert_eq!(pages_for(250, true), 3);
        // Exactly full pages: `total` saves the trailing empty page, its absence costs one.
        assert_eq!(pages_for(200, true), 2);
        assert_eq!(pages_for(200, false), 3);
    }

    #[test]
    fn stops_on_a_server_that_ignores_pages() {
        let mut page = 0;
        let mut requests = 1;
        while let Some(next) = next_page(page, PER_PAGE, 0, (page as usize + 1) * PER_PAGE) {
            page = next;
            requests += 1;
        }
        assert_eq!(requests, MAX_PAGES);
    }
}
