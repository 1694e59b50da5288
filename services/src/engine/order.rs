//! Order requests. An order copies its accepted quote as the quote's own stream records it, and
//! invoices are dated today; the rest passes through.

use chrono::{DateTime, Utc};
use ltc_domain::ids::{OrderId, QuoteId};
use ltc_domain::order::{
    AcceptedQuote, CancellationId, FulfilmentId, InvoiceId, LineQuantity, OrderCommand,
    PaymentTerms,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Engine, EngineError, Rejection};
use crate::command::{CommandMeta, Executed};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
// Unknown fields are refused: a client sending `pricing` or `on` learns that those are not its
// to send, instead of having them silently dropped.
#[serde(deny_unknown_fields)]
pub enum OrderRequest {
    /// Places the order from accepted quote `quote_id`, under `payment_terms` or the company's
    /// default terms.
    Place {
        quote_id: QuoteId,
        payment_terms: Option<PaymentTerms>,
    },
    Confirm,
    Fulfil {
        fulfilment_id: FulfilmentId,
        lines: Vec<LineQuantity>,
    },
    /// Invoices these quantities today; the instalments count from today.
    Invoice {
        invoice_id: InvoiceId,
        lines: Vec<LineQuantity>,
    },
    CancelLines {
        cancellation_id: CancellationId,
        lines: Vec<LineQuantity>,
        reason: String,
    },
    CancelRest {
        cancellation_id: CancellationId,
        reason: String,
    },
}

impl Engine {
    pub(super) async fn order(
        &self,
        order_id: OrderId,
        request: OrderRequest,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<Executed, EngineError> {
        let command = match request {
            OrderRequest::Place { quote_id, payment_terms } => {
                let quote = self.quote_state(quote_id)?;
                let accepted = AcceptedQuote::from_quote(&quote)
                    .ok_or(EngineError::QuoteNotAccepted(quote_id))?;
                OrderCommand::Place {
                    order_id,
                    quote: accepted,
                    payment_terms: payment_terms
                        .unwrap_or_else(|| self.settings.payment_terms.clone()),
                }
            }
            OrderRequest::Confirm => OrderCommand::Confirm,
            OrderRequest::Fulfil { fulfilment_id, lines } => {
                OrderCommand::Fulfil { fulfilment_id, lines }
            }
            OrderRequest::Invoice { invoice_id, lines } => {
                OrderCommand::Invoice { invoice_id, lines, base_date: Engine::today(now) }
            }
            OrderRequest::CancelLines { cancellation_id, lines, reason } => {
                OrderCommand::CancelLines { cancellation_id, lines, reason }
            }
            OrderRequest::CancelRest { cancellation_id, reason } => {
                OrderCommand::CancelRest { cancellation_id, reason }
            }
        };
        self.run(&self.paths.orders, order_id.0, &command, meta, now, Rejection::Order).await
    }
}
