//! Turns "fetch one page" into a lazy stream of items.
//!
//! A vendor crate writes one async function: given a cursor, fetch that page and say where the
//! next one starts (or that there is none). [`paginate`] does the rest: page `n + 1` is
//! requested only when the consumer has read past page `n`, an error ends the stream after
//! being yielded once, and a vendor that hands back the cursor it was given (which would loop
//! forever) is reported as a `Decode` error instead of being followed.

use std::future::Future;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::error::{DecodeDetail, Error, Result};

/// One fetched page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T, C> {
    /// The items on this page, in order.
    pub items: Vec<T>,
    /// Where the next page starts, or `None` when the vendor said this was the last.
    pub next: Option<C>,
}

impl<T, C> Page<T, C> {
    /// A page followed by another at `next`.
    pub fn more(items: Vec<T>, next: C) -> Self {
        Page {
            items,
            next: Some(next),
        }
    }

    /// The last page.
    pub fn last(items: Vec<T>) -> Self {
        Page { items, next: None }
    }
}

/// A lazy stream over every item of every page, starting at `first`.
///
/// `vendor` and `operation` name the source in the error raised when a vendor repeats a
/// cursor.
pub fn paginate<T, C, F, Fut>(
    vendor: &'static str,
    operation: &'static str,
    first: C,
    mut fetch: F,
) -> BoxStream<'static, Result<T>>
where
    T: Send + 'static,
    C: Clone + PartialEq + std::fmt::Debug + Send + 'static,
    F: FnMut(C) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T, C>>> + Send + 'static,
{
    let pages = stream::try_unfold(Some(first), move |cursor| {
        let fut = cursor.clone().map(&mut fetch);
        async move {
            let (Some(cursor), Some(fut)) = (cursor, fut) else {
                return Ok(None);
            };
            let page = fut.await?;
            if page.next.as_ref() == Some(&cursor) {
                return Err(Error::decode(
                    vendor,
                    operation,
                    format!("the vendor returned the same page cursor {cursor:?} again"),
                    DecodeDetail::new("cursor", b""),
                ));
            }
            Ok(Some((page.items, page.next)))
        }
    });
    pages
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

/// Page numbers for vendors that page by number and signal the end with a short page
/// (fewer items than `per_page`) or an empty one.
pub fn next_page_number(page: u32, got: usize, per_page: usize) -> Option<u32> {
    (got >= per_page && got > 0).then_some(page + 1)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn three_pages(fetched: Arc<AtomicUsize>) -> BoxStream<'static, Result<u32>> {
        paginate("test", "numbers", 0u32, move |page| {
            let fetched = fetched.clone();
            async move {
                fetched.fetch_add(1, Ordering::SeqCst);
                let items = vec![page * 10, page * 10 + 1];
                Ok(if page < 2 {
                    Page::more(items, page + 1)
                } else {
                    Page::last(items)
                })
            }
        })
    }

    #[tokio::test]
    async fn is_lazy() {
        let fetched = Arc::new(AtomicUsize::new(0));
        let mut s = three_pages(fetched.clone());
        assert_eq!(
            fetched.load(Ordering::SeqCst),
            0,
            "nothing fetched before polling"
        );
        assert_eq!(s.try_next().await.unwrap(), Some(0));
        assert_eq!(
            fetched.load(Ordering::SeqCst),
            1,
            "first item needs only page 1"
        );
        assert_eq!(s.try_next().await.unwrap(), Some(1));
        assert_eq!(fetched.load(Ordering::SeqCst), 1);
        assert_eq!(s.try_next().await.unwrap(), Some(10));
        assert_eq!(fetched.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn reads_every_page_then_stops() {
        let fetched = Arc::new(AtomicUsize::new(0));
        let all: Vec<u32> = three_pages(fetched.clone()).try_collect().await.unwrap();
        assert_eq!(all, [0, 1, 10, 11, 20, 21]);
        assert_eq!(fetched.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn empty_pages_in_the_middle_are_skipped() {
        let s = paginate("test", "x", 0u32, |page| async move {
            Ok(match page {
                0 => Page::more(vec![], 1),
                1 => Page::more(vec!["a"], 2),
                _ => Page::last(vec![]),
            })
        });
        let all: Vec<&str> = s.try_collect().await.unwrap();
        assert_eq!(all, ["a"]);
    }

    #[tokio::test]
    async fn an_error_ends_the_stream_after_being_yielded() {
        let mut s = paginate("test", "x", 0u32, |page| async move {
            if page == 1 {
                Err(Error::new(crate::ErrorKind::Unavailable, "boom"))
            } else {
                Ok(Page::more(vec![page], page + 1))
            }
        });
        assert_eq!(s.next().await.unwrap().unwrap(), 0);
        assert!(s.next().await.unwrap().is_err());
        assert!(s.next().await.is_none());
    }

    #[tokio::test]
    async fn a_repeated_cursor_is_an_error_not_a_loop() {
        let s = paginate("test", "x", "c1".to_string(), |c| async move {
            Ok(Page::more(vec![1], c))
        });
        let r: Result<Vec<i32>> = s.try_collect().await;
        let e = r.unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Decode);
        assert!(e.to_string().contains("same page cursor"), "{e}");
    }

    #[test]
    fn short_pages_end_numbered_paging() {
        assert_eq!(next_page_number(1, 50, 50), Some(2));
        assert_eq!(next_page_number(1, 49, 50), None);
        assert_eq!(next_page_number(1, 0, 50), None);
    }
}
