//! customer360: everything about one customer in one place. The profile, tags, tier, owner and
//! contacts; the leads converted into it; its opportunities, quotes, orders, invoices with their
//! receivables, and credits; lifetime value, open pipeline, open AR and last activity; and the
//! timeline of everything that happened to it, in log order, in words.
//!
//! Events of other streams reach a customer through ids: an opportunity, quote, order and
//! receivable name their customer in their first event, and their rows (looked up by stream id)
//! route every later event; a lead reaches a customer only when it converts.
//!
//! - `schema.rs`: the tables. `update_customer.rs`, `update_deals.rs`, `update_cash.rs`: how
//!   each stream's events change them, `deal_rows.rs`, `cash_rows.rs` and `money_rows.rs` the
//!   rows they keep in memory until the flush. `timeline.rs`, `timeline_keys.rs`,
//!   `timeline_pages.rs` and `words.rs`: the timeline.
//! - `query.rs` ([`customer`]), `money.rs` (receivables and cash as of a date), `list.rs`
//!   ([`list`]), `render.rs` ([`render`], [`render_list`]); `parse.rs` ([`QueryError`]).
//!
//! As of a date, money is computed at query time from dated facts (see `query.rs`), because
//! receipts may be back-dated and aging needs nothing but dates; a whole past view comes from
//! the runtime's rebuild up to a recorded time.

mod cash_rows;
mod codes;
mod deal_rows;
mod envelope;
mod list;
mod money;
mod money_rows;
mod parse;
mod query;
mod render;
mod schema;
mod timeline;
mod timeline_keys;
mod timeline_pages;
mod update_cash;
mod update_customer;
mod update_deals;
mod words;

#[cfg(test)]
mod tests;

use ltc_eventstore::RecordedEvent;
use rusqlite::Transaction;

use crate::{Projection, ProjectionError};
use envelope::Envelope;

pub use list::{CustomerListRow, list, list_split};
pub use money::{CreditRow, InstalmentRow, ReceivableRow};
pub use parse::QueryError;
pub use query::{
    ContactRow, Customer360, Figures, LeadRow, OpportunityRow, OrderRow, Profile, QuoteRow,
    customer, customer_split,
};
pub use render::{render, render_list};
pub use timeline::{
    FullestTimeline, TIMELINE_LIMIT_MAX, TimelineEntry, fullest_timeline, timeline,
};

/// The customer360 projection. It keeps the opportunities, quotes, orders and receivables the
/// batch in hand has touched until the flush (a rebuild: until they settle or go idle,
/// `deal_rows.rs`, `cash_rows.rs`), the timeline's keys and the lines it has not written yet
/// (`timeline.rs`), and the money rows not written yet (`money_rows.rs`); every other lookup
/// reads the tables.
#[derive(Debug, Default)]
pub struct Customer360Projection {
    deals: deal_rows::DealRows,
    cash: cash_rows::CashRows,
    timeline: timeline::TimelineWriter,
    money: money_rows::MoneyRows,
}

impl Customer360Projection {
    pub const NAME: &'static str = "customer360";
}

impl Projection for Customer360Projection {
    fn name(&self) -> &'static str {
        Customer360Projection::NAME
    }

    /// 2: the timeline stores short keys (`timeline_keys.rs`) under a view of version 1's columns.
    /// 3: a customer's lines are stored a page to a row (`timeline_pages.rs`), the same view.
    fn schema_version(&self) -> u32 {
        3
    }

    fn tables(&self) -> &'static [&'static str] {
        schema::TABLES
    }

    fn migrate(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        schema::migrate(tx)
    }

    /// Its share, in rounded per cent, of an all-models rebuild's work: the CPU seconds of this
    /// model rebuilt alone from the 1M-event log, less the cheapest model's (reading the log),
    /// on 2026-12-02 (BENCHMARKS.md, "Appended rows written 64 to a statement"). Left as it was
    /// when orders and receivables came to be kept in memory (2026-12-03), though the model
    /// then did ≈ 11 % fewer instructions: at 43 the split would move reps into this model's
    /// group, which also sorts the largest query indexes; whether that is faster is unmeasured.
    fn rebuild_cost(&self) -> u32 {
        46
    }

    /// Every by-customer index: `apply` finds rows by their own ids, the view by customer.
    fn query_indexes(&self) -> &'static [&'static str] {
        schema::QUERY_INDEXES
    }

    /// Every stream that belongs to a customer; quotas (a rep's targets) do not.
    fn wants(&self, event: &RecordedEvent) -> bool {
        matches!(
            event.stream.kind.as_str(),
            "customer" | "lead" | "opportunity" | "quote" | "order" | "payment"
        )
    }

    fn apply(
        &mut self,
        tx: &Transaction<'_>,
        event: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        let envelope = Envelope::of(event);
        let timeline = &mut self.timeline;
        match envelope.stream_kind {
            "customer" => update_customer::customer(tx, timeline, event, &envelope),
            "lead" => update_customer::lead(tx, timeline, event, &envelope),
            "opportunity" => {
                update_deals::opportunity(tx, timeline, &mut self.deals, event, &envelope)
            }
            "quote" => update_deals::quote(tx, timeline, &mut self.deals, event, &envelope),
            "order" => {
                update_cash::order(tx, timeline, &self.deals, &mut self.cash, event, &envelope)
            }
            "payment" => {
                let (cash, money) = (&mut self.cash, &mut self.money);
                update_cash::payment(tx, timeline, cash, money, event, &envelope)
            }
            _ => Ok(()),
        }
    }

    fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        let deals = self.deals.flush(tx).and(self.cash.flush(tx));
        let lines = self.timeline.flush(tx);
        let money = self.money.write_pending(tx);
        deals.and(lines).and(money)
    }

    fn discard(&mut self) {
        self.deals.discard();
        self.cash.discard();
        self.timeline.discard();
        self.money.discard();
    }

    /// A rebuild keeps each open opportunity, quote, order and receivable until it settles
    /// (`models::batch_rows`),
    /// and every timeline key it has handed out.
    fn keep_across_batches(&mut self) {
        self.deals.keep_across_batches();
        self.cash.keep_across_batches();
        self.timeline.keep_across_batches();
    }

    fn finish(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        let deals = self.deals.finish(tx).and(self.cash.finish(tx));
        let lines = self.timeline.finish(tx);
        let money = self.money.write_pending(tx);
        deals.and(lines).and(money)
    }
}
