//! Quote requests. The engine prices with the company's catalog, price books and promotions for
//! the customer's region and tier on today's date; the quote belongs to the opportunity's owner;
//! submission uses the company's approval limits; send and accept happen today; and the engine
//! knows whether the opportunity already accepted another quote.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use ltc_domain::customer::Tier;
use ltc_domain::ids::{OpportunityId, QuoteId};
use ltc_domain::money::Currency;
use ltc_domain::opportunity::{Opportunity, OpportunityState};
use ltc_domain::quote::{
    CustomerTier, LineInput, PricingTerms, Quote, QuoteCommand, QuoteState, Region,
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
pub enum QuoteRequest {
    /// Prices the first version for an open opportunity. The currency defaults to the
    /// opportunity amount's, the validity to the company's default number of days.
    Create {
        opportunity_id: OpportunityId,
        currency: Option<Currency>,
        valid_until: Option<NaiveDate>,
        lines: Vec<LineInput>,
    },
    /// Prices a new version that supersedes the current one; the currency defaults to the
    /// current version's.
    Revise {
        currency: Option<Currency>,
        valid_until: Option<NaiveDate>,
        lines: Vec<LineInput>,
    },
    Submit,
    Approve,
    RejectApproval {
        reason: String,
    },
    Send,
    Accept,
    Decline {
        reason: String,
    },
}

/// The price-book tier of a customer tier.
pub fn pricing_tier(tier: Tier) -> CustomerTier {
    CustomerTier(
        match tier {
            Tier::Strategic => "strategic",
            Tier::Key => "key",
            Tier::Normal => "normal",
        }
        .into(),
    )
}

impl Engine {
    pub(super) async fn quote(
        &self,
        quote_id: QuoteId,
        request: QuoteRequest,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<Executed, EngineError> {
        let today = Engine::today(now);
        let command = match request {
            QuoteRequest::Create { opportunity_id, currency, valid_until, lines } => {
                let opportunity = self.opportunity_state(opportunity_id)?;
                let currency = currency.unwrap_or(opportunity.amount.currency);
                QuoteCommand::Create {
                    quote_id,
                    opportunity_id,
                    customer_id: opportunity.customer_id,
                    owner: opportunity.ownership.owner,
                    team: opportunity.ownership.team,
                    terms: self.pricing_terms(&opportunity, currency, today)?,
                    valid_until: self.valid_until(valid_until, today),
                    lines,
                    pricing: self.settings.pricing.clone(),
                }
            }
            QuoteRequest::Revise { currency, valid_until, lines } => {
                let quote = self.quote_state(quote_id)?;
                let opportunity = self.opportunity_state(quote.opportunity_id)?;
                let currency = currency.unwrap_or(quote.current().terms.currency);
                QuoteCommand::Revise {
                    terms: self.pricing_terms(&opportunity, currency, today)?,
                    valid_until: self.valid_until(valid_until, today),
                    lines,
                    pricing: self.settings.pricing.clone(),
                }
            }
            QuoteRequest::Submit => QuoteCommand::Submit { policy: self.settings.approval.clone() },
            QuoteRequest::Approve => QuoteCommand::Approve,
            QuoteRequest::RejectApproval { reason } => QuoteCommand::RejectApproval { reason },
            QuoteRequest::Send => QuoteCommand::Send { on: today },
            QuoteRequest::Accept => return self.accept(quote_id, meta, now).await,
            QuoteRequest::Decline { reason } => QuoteCommand::Decline { reason },
        };
        self.run(&self.paths.quotes, quote_id.0, &command, meta, now, Rejection::Quote).await
    }

    /// Accepts under the accepted-quotes lock, so that the answer to "does the opportunity have
    /// an accepted quote?" stays true until the acceptance is appended.
    async fn accept(
        &self,
        quote_id: QuoteId,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<Executed, EngineError> {
        let mut accepted_quotes = self.accepted_quotes.lock().await;
        accepted_quotes.catch_up(&self.store)?;
        let opportunity_has_accepted_quote = match self.state_of(&self.paths.quotes, quote_id.0)? {
            QuoteState::Created(quote) => {
                accepted_quotes.of(quote.opportunity_id).filter(|other| *other != quote_id)
            }
            // The decider answers with its own typed error.
            QuoteState::NotCreated => None,
        };
        let command =
            QuoteCommand::Accept { on: Engine::today(now), opportunity_has_accepted_quote };
        let executed =
            self.run(&self.paths.quotes, quote_id.0, &command, meta, now, Rejection::Quote).await?;
        accepted_quotes.catch_up(&self.store)?;
        Ok(executed)
    }

    fn pricing_terms(
        &self,
        opportunity: &Opportunity,
        currency: Currency,
        today: NaiveDate,
    ) -> Result<PricingTerms, EngineError> {
        let customer = self.customer(opportunity.customer_id)?;
        Ok(PricingTerms {
            currency,
            region: Region(customer.region),
            tier: pricing_tier(customer.tier),
            pricing_date: today,
        })
    }

    fn valid_until(&self, requested: Option<NaiveDate>, today: NaiveDate) -> NaiveDate {
        requested.unwrap_or(today + TimeDelta::days(i64::from(self.settings.quote_valid_days)))
    }

    fn opportunity_state(&self, id: OpportunityId) -> Result<Opportunity, EngineError> {
        match self.state_of(&self.paths.opportunities, id.0)? {
            OpportunityState::Opened(opportunity) => Ok(opportunity),
            OpportunityState::NotOpened => {
                Err(EngineError::NotFound { kind: "opportunity", id: id.0 })
            }
        }
    }

    pub(super) fn quote_state(&self, id: QuoteId) -> Result<Quote, EngineError> {
        match self.state_of(&self.paths.quotes, id.0)? {
            QuoteState::Created(quote) => Ok(quote),
            QuoteState::NotCreated => Err(EngineError::NotFound { kind: "quote", id: id.0 }),
        }
    }
}
