//! Pricing: a pure function from configured lines and pricing data to priced lines, each with
//! its waterfall. The precedence is fixed: list → price book → customer-tier book → volume tier →
//! promotion → manual discount. Every step is recorded, applied or not, with the price before
//! and after and the reason, so an auditor can see why a price is what it is. Amounts are integer
//! minor units; every percentage rounds half away from zero through [`Money::times_bps`], and the
//! quote total is the exact sum of its lines.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::catalog::{ConfigurationError, LineInput, OptionKey, Sku};
use super::price_book::{
    CustomerTier, PRICE_BOOKS_MAX, PROMOTIONS_MAX, PriceBookEntry, PriceBookId, PricingData,
    PricingTerms, PromotionBenefit, PromotionId, VolumeMethod, VolumeSchedule, select_book,
};
use crate::money::{Bps, Currency, Money, MoneyError};

/// The most lines one quote version may hold.
pub const QUOTE_LINES_MAX: usize = 200;

/// The six steps, in the order they apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    List,
    PriceBook,
    CustomerTier,
    Volume,
    Promotion,
    ManualDiscount,
}

/// What a step's `before` and `after` measure: the first three steps set the price of one unit,
/// the last three reduce the line amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PriceBasis {
    UnitPrice,
    LineAmount,
}

/// Why a step did what it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub enum StepReason {
    ListPrice {
        catalog_version: String,
    },
    PriceBook {
        book: PriceBookId,
    },
    NoPriceBook,
    NotInPriceBook {
        book: PriceBookId,
    },
    TierPriceBook {
        book: PriceBookId,
        tier: CustomerTier,
    },
    NoTierPriceBook {
        tier: CustomerTier,
    },
    NotInTierPriceBook {
        book: PriceBookId,
        tier: CustomerTier,
    },
    /// Every unit at the discount of the highest tier reached.
    VolumeRange {
        quantity_from: u32,
        discount_bps: Bps,
    },
    /// Each band of units at its own tier's discount.
    VolumeSlab {
        bands: Vec<SlabBand>,
    },
    NoVolumeSchedule,
    BelowFirstVolumeTier {
        quantity_from: u32,
    },
    Promotion {
        promotion: PromotionId,
        benefit: PromotionBenefit,
    },
    NoPromotion,
    ManualDiscount {
        discount_bps: Bps,
    },
}

/// The units of a slab-priced line that fall in one tier, and the price each of them got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct SlabBand {
    /// The tier's first unit; 1 for the units below the first tier.
    pub quantity_from: u32,
    pub units: u32,
    pub discount_bps: Bps,
    pub unit_price: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct PricingStep {
    pub step: StepKind,
    pub basis: PriceBasis,
    pub before: Money,
    pub after: Money,
    pub reason: StepReason,
}

/// One line as priced: what was ordered, the product facts used, and how the price came about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct PricedLine {
    /// 1-based position on the quote.
    pub line_no: u32,
    pub sku: Sku,
    pub product_name: String,
    pub unit: String,
    pub quantity: u32,
    pub options: Vec<OptionKey>,
    pub manual_discount_bps: Bps,
    pub waterfall: Vec<PricingStep>,
    /// The last step's `after`: what the customer pays for the line.
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedQuote {
    pub lines: Vec<PricedLine>,
    /// Exactly the sum of the lines' amounts.
    pub total: Money,
}

/// Why a quote cannot be priced. The caller fixes the lines or the pricing data and retries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PricingError {
    #[error(transparent)]
    Configuration(#[from] ConfigurationError),
    #[error("a quote needs 1 to {QUOTE_LINES_MAX} lines, not {0}")]
    LineCount(u32),
    /// Neither the catalog's list price nor any applicable book prices the SKU in this currency.
    #[error("no price for SKU {sku} in {currency}")]
    NoPriceInCurrency { sku: Sku, currency: Currency },
    #[error("price book {book:?} is invalid: {defect}")]
    InvalidPriceBook { book: PriceBookId, defect: String },
    #[error("promotion {promotion:?} is invalid: {defect}")]
    InvalidPromotion { promotion: PromotionId, defect: String },
    #[error("more than {PRICE_BOOKS_MAX} price books or {PROMOTIONS_MAX} promotions")]
    TooMuchPricingData,
    /// A fixed-amount promotion in another currency: the shell must pass one in the quote's.
    #[error("promotion {promotion:?} is in {got}, the quote in {expected}")]
    PromotionCurrency { promotion: PromotionId, expected: Currency, got: Currency },
    #[error("a manual discount of {0} is over 100 %")]
    DiscountOver100(Bps),
    #[error("amount out of range: {0}")]
    Money(#[from] MoneyError),
}

/// Prices every line and sums the total. Pure: the same inputs always give the same waterfall.
pub fn price_quote(
    lines: &[LineInput],
    data: &PricingData,
    terms: &PricingTerms,
) -> Result<PricedQuote, PricingError> {
    if lines.is_empty() || lines.len() > QUOTE_LINES_MAX {
        return Err(PricingError::LineCount(u32::try_from(lines.len()).unwrap_or(u32::MAX)));
    }
    validate(data)?;
    let mut priced = Vec::with_capacity(lines.len());
    let mut total = Money::zero(terms.currency);
    for (line_no, line) in (1u32..).zip(lines) {
        let priced_line = price_line(line_no, line, data, terms)?;
        total = total.checked_add(priced_line.amount)?;
        priced.push(priced_line);
    }
    Ok(PricedQuote { lines: priced, total })
}

fn validate(data: &PricingData) -> Result<(), PricingError> {
    if data.price_books.len() > PRICE_BOOKS_MAX || data.promotions.len() > PROMOTIONS_MAX {
        return Err(PricingError::TooMuchPricingData);
    }
    data.catalog.validate()?;
    for book in &data.price_books {
        if let Some(defect) = book.defect() {
            return Err(PricingError::InvalidPriceBook {
                book: book.id.clone(),
                defect: defect.into(),
            });
        }
    }
    for promotion in &data.promotions {
        if let Some(defect) = promotion.defect() {
            return Err(PricingError::InvalidPromotion {
                promotion: promotion.id.clone(),
                defect: defect.into(),
            });
        }
    }
    Ok(())
}

/// One line through the six steps. The pricing data must have passed `validate`.
pub(crate) fn price_line(
    line_no: u32,
    line: &LineInput,
    data: &PricingData,
    terms: &PricingTerms,
) -> Result<PricedLine, PricingError> {
    let product = data.catalog.check_line(line)?;
    if line.manual_discount_bps > Bps::HUNDRED_PERCENT {
        return Err(PricingError::DiscountOver100(line.manual_discount_bps));
    }
    let mut waterfall = Vec::with_capacity(6);
    let unit_step = |step, before: Money, after: Money, reason| PricingStep {
        step,
        basis: PriceBasis::UnitPrice,
        before,
        after,
        reason,
    };

    let list_price = product.list_price;
    waterfall.push(unit_step(
        StepKind::List,
        list_price,
        list_price,
        StepReason::ListPrice { catalog_version: data.catalog.version.clone() },
    ));

    let mut volume: Option<&VolumeSchedule> = None;
    let general = select_book(&data.price_books, terms, None);
    let (book_price, reason) = book_step(general, &line.sku, list_price, &mut volume, |book| {
        StepReason::PriceBook { book }
    });
    let reason = match (general, reason) {
        (None, _) => StepReason::NoPriceBook,
        (Some(book), None) => StepReason::NotInPriceBook { book: book.id.clone() },
        (Some(_), Some(reason)) => reason,
    };
    waterfall.push(unit_step(StepKind::PriceBook, list_price, book_price, reason));

    let tier = &terms.tier;
    let tier_book = select_book(&data.price_books, terms, Some(tier));
    let (unit_price, reason) = book_step(tier_book, &line.sku, book_price, &mut volume, |book| {
        StepReason::TierPriceBook { book, tier: tier.clone() }
    });
    let reason = match (tier_book, reason) {
        (None, _) => StepReason::NoTierPriceBook { tier: tier.clone() },
        (Some(book), None) => {
            StepReason::NotInTierPriceBook { book: book.id.clone(), tier: tier.clone() }
        }
        (Some(_), Some(reason)) => reason,
    };
    waterfall.push(unit_step(StepKind::CustomerTier, book_price, unit_price, reason));
    if unit_price.currency != terms.currency {
        return Err(PricingError::NoPriceInCurrency {
            sku: line.sku.clone(),
            currency: terms.currency,
        });
    }

    let gross = times(unit_price, line.quantity)?;
    let (after_volume, reason) = match volume {
        None => (gross, StepReason::NoVolumeSchedule),
        Some(schedule) => volume_step(schedule, unit_price, line.quantity)?,
    };
    waterfall.push(line_step(StepKind::Volume, gross, after_volume, reason));

    let (after_promotion, reason) = promotion_step(data, &line.sku, terms, after_volume)?;
    waterfall.push(line_step(StepKind::Promotion, after_volume, after_promotion, reason));

    let manual_discount = after_promotion.times_bps(line.manual_discount_bps)?;
    let amount = after_promotion.checked_sub(manual_discount)?;
    let reason = StepReason::ManualDiscount { discount_bps: line.manual_discount_bps };
    waterfall.push(line_step(StepKind::ManualDiscount, after_promotion, amount, reason));

    Ok(PricedLine {
        line_no,
        sku: line.sku.clone(),
        product_name: product.name.clone(),
        unit: product.unit.clone(),
        quantity: line.quantity,
        options: line.options.clone(),
        manual_discount_bps: line.manual_discount_bps,
        waterfall,
        amount,
    })
}

fn line_step(step: StepKind, before: Money, after: Money, reason: StepReason) -> PricingStep {
    PricingStep { step, basis: PriceBasis::LineAmount, before, after, reason }
}

/// The unit price a book sets for `sku` (or `before` when it has no entry), and the reason when
/// it did set one. A book that prices the SKU with a volume schedule replaces the schedule of
/// the book before it; one without keeps it.
fn book_step<'a>(
    book: Option<&'a super::price_book::PriceBook>,
    sku: &Sku,
    before: Money,
    volume: &mut Option<&'a VolumeSchedule>,
    reason: impl FnOnce(PriceBookId) -> StepReason,
) -> (Money, Option<StepReason>) {
    let entry: Option<&PriceBookEntry> = book.and_then(|book| book.entry(sku));
    match (book, entry) {
        (Some(book), Some(entry)) => {
            if entry.volume.is_some() {
                *volume = entry.volume.as_ref();
            }
            (entry.unit_price, Some(reason(book.id.clone())))
        }
        _ => (before, None),
    }
}

fn times(unit_price: Money, quantity: u32) -> Result<Money, MoneyError> {
    let amount_minor =
        unit_price.amount_minor.checked_mul(i64::from(quantity)).ok_or(MoneyError::Overflow)?;
    Ok(Money { amount_minor, ..unit_price })
}

/// The price of one unit after a volume discount, rounded per unit so a slab line is exactly
/// the sum of its units.
pub fn discounted_unit_price(unit_price: Money, discount_bps: Bps) -> Result<Money, MoneyError> {
    unit_price.checked_sub(unit_price.times_bps(discount_bps)?)
}

fn volume_step(
    schedule: &VolumeSchedule,
    unit_price: Money,
    quantity: u32,
) -> Result<(Money, StepReason), MoneyError> {
    let Some(first_from) = schedule.tiers.first().map(|tier| tier.quantity_from) else {
        return Ok((times(unit_price, quantity)?, StepReason::NoVolumeSchedule));
    };
    if quantity < first_from {
        return Ok((
            times(unit_price, quantity)?,
            StepReason::BelowFirstVolumeTier { quantity_from: first_from },
        ));
    }
    match schedule.method {
        VolumeMethod::Range => {
            let Some(tier) =
                schedule.tiers.iter().rev().find(|tier| tier.quantity_from <= quantity)
            else {
                unreachable!("the quantity reaches the first tier, checked above")
            };
            let reason = StepReason::VolumeRange {
                quantity_from: tier.quantity_from,
                discount_bps: tier.discount_bps,
            };
            Ok((discounted(times(unit_price, quantity)?, tier.discount_bps)?, reason))
        }
        VolumeMethod::Slab => {
            let mut bands = Vec::with_capacity(schedule.tiers.len() + 1);
            if first_from > 1 {
                bands.push(SlabBand {
                    quantity_from: 1,
                    units: first_from - 1,
                    discount_bps: Bps::ZERO,
                    unit_price,
                });
            }
            for (tier_idx, tier) in schedule.tiers.iter().enumerate() {
                if tier.quantity_from > quantity {
                    break;
                }
                let last_unit = match schedule.tiers.get(tier_idx + 1) {
                    // Validated tiers ascend strictly, so `next.quantity_from` is at least 2.
                    Some(next) => next.quantity_from.saturating_sub(1).min(quantity),
                    None => quantity,
                };
                bands.push(SlabBand {
                    quantity_from: tier.quantity_from,
                    units: last_unit - tier.quantity_from + 1,
                    discount_bps: tier.discount_bps,
                    unit_price: discounted_unit_price(unit_price, tier.discount_bps)?,
                });
            }
            let mut amount = Money::zero(unit_price.currency);
            for band in &bands {
                let band_gross = times(unit_price, band.units)?;
                amount = amount.checked_add(discounted(band_gross, band.discount_bps)?)?;
            }
            Ok((amount, StepReason::VolumeSlab { bands }))
        }
    }
}

/// `amount` less `discount` of it, the discount rounded once on the whole amount. Rounding a
/// discounted unit price and then multiplying would multiply the rounding error by the quantity
/// (a 3-cent unit at 50 % off would cost 1 cent, not 1.5, on every unit).
fn discounted(amount: Money, discount: Bps) -> Result<Money, MoneyError> {
    amount.checked_sub(amount.times_bps(discount)?)
}

/// The one promotion that reduces the line most, valid on the pricing date and for this SKU (or
/// for every SKU); ties go to the smallest id. Promotions do not stack.
fn promotion_step(
    data: &PricingData,
    sku: &Sku,
    terms: &PricingTerms,
    before: Money,
) -> Result<(Money, StepReason), PricingError> {
    let mut best: Option<(Money, &super::price_book::Promotion)> = None;
    for promotion in &data.promotions {
        let applies = promotion.is_valid_on(terms.pricing_date)
            && promotion.sku.as_ref().is_none_or(|only| only == sku);
        if !applies {
            continue;
        }
        let reduction = match promotion.benefit {
            PromotionBenefit::PercentOff(rate) => before.times_bps(rate)?,
            PromotionBenefit::AmountOff(amount) => {
                if amount.currency != terms.currency {
                    return Err(PricingError::PromotionCurrency {
                        promotion: promotion.id.clone(),
                        expected: terms.currency,
                        got: amount.currency,
                    });
                }
                Money { amount_minor: amount.amount_minor.min(before.amount_minor), ..amount }
            }
        };
        let better = match &best {
            None => true,
            Some((best_reduction, best_promotion)) => {
                reduction.amount_minor > best_reduction.amount_minor
                    || (reduction.amount_minor == best_reduction.amount_minor
                        && promotion.id < best_promotion.id)
            }
        };
        if better {
            best = Some((reduction, promotion));
        }
    }
    match best {
        None => Ok((before, StepReason::NoPromotion)),
        Some((reduction, promotion)) => Ok((
            before.checked_sub(reduction)?,
            StepReason::Promotion { promotion: promotion.id.clone(), benefit: promotion.benefit },
        )),
    }
}
