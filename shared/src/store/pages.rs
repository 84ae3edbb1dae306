//! Queries and Scans read page by page: DynamoDB's `exclusive_start_key` / `last_evaluated_key`
//! loop, written once.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::scan::builders::ScanFluentBuilder;
use aws_sdk_dynamodb::operation::scan::ScanOutput;

use super::Item;
use crate::request_scope::db_call;
use crate::Result;

/// A request that reads a page at a time: a Query or a Scan.
pub(crate) trait Paged {
    type Output;

    /// Sends the request for the page that starts at `start` (`None`: the first).
    async fn send_from(self, start: Option<Item>) -> Result<Self::Output>;

    /// Takes the position of the next page out of a page (`None` after the last).
    fn take_next(page: &mut Self::Output) -> Option<Item>;

    fn items(page: Self::Output) -> Vec<Item>;
}

impl Paged for QueryFluentBuilder {
    type Output = QueryOutput;

    async fn send_from(self, start: Option<Item>) -> Result<QueryOutput> {
        Ok(db_call(self.set_exclusive_start_key(start).send()).await?)
    }

    fn take_next(page: &mut QueryOutput) -> Option<Item> {
        page.last_evaluated_key.take()
    }

    fn items(page: QueryOutput) -> Vec<Item> {
        page.items.unwrap_or_default()
    }
}

impl Paged for ScanFluentBuilder {
    type Output = ScanOutput;

    async fn send_from(self, start: Option<Item>) -> Result<ScanOutput> {
        Ok(db_call(self.set_exclusive_start_key(start).send()).await?)
    }

    fn take_next(page: &mut ScanOutput) -> Option<Item> {
        page.last_evaluated_key.take()
    }

    fn items(page: ScanOutput) -> Vec<Item> {
        page.items.unwrap_or_default()
    }
}

/// Where a paged read is. Each page's request is passed to [`Pages::next`], so it may differ from
/// page to page (a smaller `Limit` as a list fills up); the position is set on it here.
#[derive(Debug, Default)]
pub(crate) struct Pages {
    start: Option<Item>,
    ended: bool,
}

impl Pages {
    /// From the first page (`None`) or from a page position.
    pub fn from(start: Option<Item>) -> Pages {
        Pages { start, ended: false }
    }

    /// The next page, read with `request`; `None` once the last page was read (without a call).
    pub async fn next<R: Paged>(&mut self, request: R) -> Result<Option<R::Output>> {
        if self.ended {
            return Ok(None);
        }
        let mut page = request.send_from(self.start.take()).await?;
        self.start = R::take_next(&mut page);
        self.ended = self.start.is_none();
        Ok(Some(page))
    }
}

/// Every item `request` reads, page after page.
pub(crate) async fn all_items<R: Paged + Clone>(request: R) -> Result<Vec<Item>> {
    let mut items = vec![];
    let mut pages = Pages::default();
    while let Some(page) = pages.next(request.clone()).await? {
        items.extend(R::items(page));
    }
    Ok(items)
}
