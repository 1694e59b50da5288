//! Outstanding, overdue and aging as of a date, computed from dated facts.

use super::*;

#[test]
fn aging_buckets_start_the_day_after_the_due_date_and_change_at_30_60_and_90_days() {
    let due_on = day(3, 31);
    let bucket_after = |days: i64| AgingBucket::of(due_on, due_on + chrono::TimeDelta::days(days));
    assert_eq!(bucket_after(-10), AgingBucket::Current);
    assert_eq!(bucket_after(0), AgingBucket::Current);
    assert_eq!(bucket_after(1), AgingBucket::Days1To30);
    assert_eq!(bucket_after(30), AgingBucket::Days1To30);
    assert_eq!(bucket_after(31), AgingBucket::Days31To60);
    assert_eq!(bucket_after(60), AgingBucket::Days31To60);
    assert_eq!(bucket_after(61), AgingBucket::Days61To90);
    assert_eq!(bucket_after(90), AgingBucket::Days61To90);
    assert_eq!(bucket_after(91), AgingBucket::Over90Days);
}

#[test]
fn outstanding_as_of_counts_only_facts_dated_on_or_before_that_day() {
    // Recorded at one time, but dated by their business dates: back-dated or not.
    let history = [
        opened(),
        received(1, 30_000, day(3, 5), vec![alloc(0, 30_000)], 0, 5),
        received(2, 20_000, day(4, 10), vec![alloc(0, 10_000), alloc(1, 10_000)], 0, 6),
        PaymentEvent::WrittenOff {
            write_off_id: write_off_id(1),
            amount: eur(5_000),
            reason: "bad debt".into(),
            written_off_on: day(5, 1),
            allocations: vec![alloc(1, 5_000)],
            at: t(7),
        },
    ];
    let receivable = receivable(&history);
    assert_eq!(outstanding_as_of(&receivable, day(3, 4)), eur(100_000));
    assert_eq!(outstanding_as_of(&receivable, day(3, 5)), eur(70_000));
    assert_eq!(outstanding_as_of(&receivable, day(4, 10)), eur(50_000));
    assert_eq!(outstanding_as_of(&receivable, day(5, 1)), eur(45_000));
    assert_eq!(outstanding_as_of(&receivable, day(12, 31)), receivable.outstanding());
}

#[test]
fn an_instalment_is_overdue_from_the_day_after_it_is_due_until_it_is_paid() {
    let history = [opened(), received(1, 30_000, day(3, 5), vec![alloc(0, 30_000)], 0, 5)];
    let receivable = receivable(&history);
    assert_eq!(overdue_as_of(&receivable, day(3, 31)), eur(0), "due today is not yet overdue");
    assert_eq!(overdue_as_of(&receivable, day(4, 1)), eur(10_000));
    assert_eq!(overdue_as_of(&receivable, day(5, 1)), eur(70_000));
    let paid = [
        history.as_slice(),
        &[received(2, 70_000, day(5, 2), vec![alloc(0, 10_000), alloc(1, 60_000)], 0, 6)],
    ]
    .concat();
    assert_eq!(overdue_as_of(&self::receivable(&paid), day(5, 2)), eur(0));
    assert_eq!(overdue_as_of(&self::receivable(&paid), day(5, 1)), eur(70_000), "paid a day later");
}

#[test]
fn aging_splits_what_is_outstanding_by_how_long_each_instalment_is_past_due() {
    let history = [opened(), received(1, 30_000, day(3, 5), vec![alloc(0, 30_000)], 0, 5)];
    let receivable = receivable(&history);
    let zero = eur(0);
    // 15 May: the March instalment is 45 days past due, the April one 15.
    let aging = aging_as_of(&receivable, day(5, 15));
    assert_eq!(
        aging,
        Aging {
            current: zero,
            days_1_to_30: eur(60_000),
            days_31_to_60: eur(10_000),
            days_61_to_90: zero,
            over_90_days: zero,
        }
    );
    assert_eq!(aging.bucket(AgingBucket::Days31To60), eur(10_000));
    // 1 March: nothing is due yet, and the receipt of 5 March has not arrived.
    assert_eq!(aging_as_of(&receivable, day(3, 1)).current, eur(100_000));
    // 1 September: both are over 90 days past due.
    assert_eq!(aging_as_of(&receivable, day(9, 1)).over_90_days, eur(70_000));
}
