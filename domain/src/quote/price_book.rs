//! Price books, volume schedules and promotions: the pricing data the shell passes in, and the
//! deterministic choice of which book applies to a quote's currency, region, tier and date.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::catalog::Sku;
use crate::money::{Bps, Currency, Money};

/// The most price books, or promotions, one command may carry.
pub const PRICE_BOOKS_MAX: usize = 256;
pub const PROMOTIONS_MAX: usize = 256;
/// The most entries one price book may hold.
pub const PRICE_BOOK_ENTRIES_MAX: usize = 10_000;
/// The most tiers one volume schedule may hold.
pub const VOLUME_TIERS_MAX: usize = 16;
/// The longest price book or promotion id, in bytes; ids are copied into the waterfall.
pub const ID_BYTES_MAX: usize = 128;

/// A sales region, such as `emea`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct Region(pub String);

/// A customer tier, such as `gold`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct CustomerTier(pub String);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct PriceBookId(pub String);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct PromotionId(pub String);

/// What a quote is priced for: the price books and promotions are chosen by these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct PricingTerms {
    pub currency: Currency,
    pub region: Region,
    pub tier: CustomerTier,
    /// The business date whose books and promotions apply.
    pub pricing_date: NaiveDate,
}

/// Unit prices for one currency and region, valid from `valid_from` to `valid_until` inclusive.
/// A book with a `tier` is the customer-tier book: it applies after the general book (one with no
/// tier) and only to customers of that tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceBook {
    pub id: PriceBookId,
    pub currency: Currency,
    pub region: Region,
    pub tier: Option<CustomerTier>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub entries: Vec<PriceBookEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceBookEntry {
    pub sku: Sku,
    pub unit_price: Money,
    /// Volume discounts for this SKU: the tier book's schedule if it has one, else the general
    /// book's.
    pub volume: Option<VolumeSchedule>,
}

/// How volume tiers apply to a line's quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VolumeMethod {
    /// Every unit at the discount of the highest tier the quantity reaches.
    Range,
    /// Each unit at the discount of the tier its own position falls in.
    Slab,
}

/// Volume discounts off the unit price, by quantity. Units below the first tier's
/// `quantity_from` get no volume discount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeSchedule {
    pub method: VolumeMethod,
    /// Strictly ascending by `quantity_from`, which starts at 1 or more.
    pub tiers: Vec<VolumeTier>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeTier {
    pub quantity_from: u32,
    pub discount_bps: Bps,
}

/// A time-limited price reduction, for one SKU or (with `sku: None`) for every line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promotion {
    pub id: PromotionId,
    pub sku: Option<Sku>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub benefit: PromotionBenefit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub enum PromotionBenefit {
    /// A percentage off the line amount.
    PercentOff(Bps),
    /// A fixed amount off the line amount, never taking the line below zero.
    AmountOff(Money),
}

/// Everything the shell passes for pricing, as it stood when the command was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricingData {
    pub catalog: super::catalog::Catalog,
    pub price_books: Vec<PriceBook>,
    pub promotions: Vec<Promotion>,
}

impl PriceBook {
    pub fn entry(&self, sku: &Sku) -> Option<&PriceBookEntry> {
        self.entries.iter().find(|entry| &entry.sku == sku)
    }

    /// Why this book is malformed, if it is.
    pub fn defect(&self) -> Option<&'static str> {
        if self.valid_from > self.valid_until {
            return Some("valid_from is after valid_until");
        }
        if self.id.0.is_empty() || self.id.0.len() > ID_BYTES_MAX {
            return Some("the id must be 1 to ID_BYTES_MAX bytes");
        }
        if self.entries.len() > PRICE_BOOK_ENTRIES_MAX {
            return Some("too many entries");
        }
        for entry in &self.entries {
            if entry.unit_price.currency != self.currency || entry.unit_price.is_negative() {
                return Some("an entry's price is negative or in another currency");
            }
            if let Some(defect) = entry.volume.as_ref().and_then(VolumeSchedule::defect) {
                return Some(defect);
            }
        }
        None
    }
}

impl VolumeSchedule {
    fn defect(&self) -> Option<&'static str> {
        if self.tiers.is_empty() || self.tiers.len() > VOLUME_TIERS_MAX {
            return Some("a volume schedule needs 1 to VOLUME_TIERS_MAX tiers");
        }
        if self.tiers[0].quantity_from == 0
            || self.tiers.windows(2).any(|pair| pair[0].quantity_from >= pair[1].quantity_from)
        {
            return Some("volume tiers must start at 1 or more and ascend strictly");
        }
        if self.tiers.iter().any(|tier| tier.discount_bps > Bps::HUNDRED_PERCENT) {
            return Some("a volume discount is over 100 %");
        }
        None
    }
}

impl Promotion {
    pub fn defect(&self) -> Option<&'static str> {
        if self.valid_from > self.valid_until {
            return Some("valid_from is after valid_until");
        }
        if self.id.0.is_empty() || self.id.0.len() > ID_BYTES_MAX {
            return Some("the id must be 1 to ID_BYTES_MAX bytes");
        }
        match self.benefit {
            PromotionBenefit::PercentOff(rate) if rate > Bps::HUNDRED_PERCENT => {
                Some("a promotion is over 100 %")
            }
            PromotionBenefit::AmountOff(amount) if amount.is_negative() => {
                Some("a promotion's amount is negative")
            }
            PromotionBenefit::PercentOff(_) | PromotionBenefit::AmountOff(_) => None,
        }
    }

    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && date <= self.valid_until
    }
}

/// The book for these terms: same currency and region, valid on the pricing date, and with
/// `tier` (`None` for the general book). Of several, the latest `valid_from` wins, then the
/// smallest id, so the choice never depends on the order the shell listed the books in.
pub fn select_book<'a>(
    books: &'a [PriceBook],
    terms: &PricingTerms,
    tier: Option<&CustomerTier>,
) -> Option<&'a PriceBook> {
    books
        .iter()
        .filter(|book| {
            book.currency == terms.currency
                && book.region == terms.region
                && book.tier.as_ref() == tier
                && book.valid_from <= terms.pricing_date
                && terms.pricing_date <= book.valid_until
        })
        .min_by(|left, right| {
            right.valid_from.cmp(&left.valid_from).then_with(|| left.id.cmp(&right.id))
        })
}
