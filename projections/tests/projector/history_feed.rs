//! The history feed: a bounded range of the log, read on a thread of its own, and split so that
//! several runners (a rebuild's two groups) share one read.

use ltc_eventstore::{Position, RecordedEvent};
use std::sync::Arc;

use ltc_projections::{Delivery, Feed, HistoryFeed, Predecoded, Predecoding};

use crate::support::World;

/// Everything `feed` delivers until it ends.
fn drain(feed: &mut HistoryFeed) -> Vec<RecordedEvent> {
    let mut events = Vec::new();
    loop {
        match feed.poll(true).expect("the feed reads") {
            Delivery::Event(event) => events.push(Arc::unwrap_or_clone(event)),
            Delivery::Idle => panic!("a history feed is never idle"),
            Delivery::Ended => return events,
        }
    }
}

#[test]
fn a_feed_delivers_its_range_in_order_then_ends() {
    let mut world = World::new();
    world.append_events(3_000);
    let mut feed = HistoryFeed::new(&world.store, Position(5), Position(2_500)).unwrap();
    let delivered = drain(&mut feed);
    assert_eq!(delivered, world.events(5)[..2_496].to_vec());
}

#[test]
fn every_feed_of_a_split_gets_every_event_of_the_range_in_order() {
    let mut world = World::new();
    // Several pages, the last one short, so that pages are shared and handed on.
    world.append_events(5 * HistoryFeed::PAGE_EVENTS as u64 + 17);
    let head = world.head();
    let mut feeds = HistoryFeed::split(&world.store, Position::START, Position(head), 3).unwrap();
    assert_eq!(feeds.len(), 3);
    let expected = world.events(1);
    // Each feed drains on a thread of its own: the reader waits for the slowest feed, so one
    // feed drained to the end before the others start would wait for them forever.
    let delivered: Vec<Vec<RecordedEvent>> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            feeds.iter_mut().map(|feed| scope.spawn(move || drain(feed))).collect();
        handles.into_iter().map(|handle| handle.join().unwrap()).collect()
    });
    for events in delivered {
        assert_eq!(events.len() as u64, head);
        assert_eq!(events, expected);
    }
}

#[test]
fn feeds_at_different_places_in_a_page_share_its_envelopes_each_from_where_it_stood() {
    let mut world = World::new();
    world.append_events(3 * HistoryFeed::PAGE_EVENTS as u64);
    let head = world.head();
    let mut feeds = HistoryFeed::split(&world.store, Position::START, Position(head), 2).unwrap();
    let (mut behind, mut ahead) = (feeds.remove(0), feeds.remove(0));
    let expected = world.events(1);
    let poll = |feed: &mut HistoryFeed| match feed.poll(true).expect("the feed reads") {
        Delivery::Event(event) => event,
        other => panic!("expected an event, got {other:?}"),
    };
    // `behind` stops 10 envelopes into the first page; `ahead` reads the whole page and the
    // first envelope of the second.
    let from_behind: Vec<_> = (0..10).map(|_| poll(&mut behind)).collect();
    let from_ahead: Vec<_> = (0..HistoryFeed::PAGE_EVENTS + 1).map(|_| poll(&mut ahead)).collect();
    for (shared, same) in from_behind.iter().zip(&from_ahead) {
        assert!(Arc::ptr_eq(shared, same), "one envelope for both feeds, not a copy each");
    }
    let mut from_behind: Vec<_> = from_behind.into_iter().map(Arc::unwrap_or_clone).collect();
    let mut from_ahead: Vec<_> = from_ahead.into_iter().map(Arc::unwrap_or_clone).collect();
    // `behind` goes on from the 11th envelope of the first page, which `ahead` is done with.
    from_behind.extend(drain_on_a_thread_beside(
        &mut ahead,
        || drain(&mut behind),
        &mut from_ahead,
    ));
    assert_eq!(from_behind, expected);
    assert_eq!(from_ahead, expected);
}

/// Drains `other` on a thread while `here` runs on this one (a split's reader waits for its
/// slowest feed), appending what `other` delivers to `into`; returns what `here` returned.
fn drain_on_a_thread_beside(
    other: &mut HistoryFeed,
    here: impl FnOnce() -> Vec<RecordedEvent>,
    into: &mut Vec<RecordedEvent>,
) -> Vec<RecordedEvent> {
    std::thread::scope(|scope| {
        let other = scope.spawn(|| drain(other));
        let mine = here();
        into.extend(other.join().unwrap());
        mine
    })
}

#[test]
fn a_feed_dropped_half_way_does_not_stop_the_others_of_its_split() {
    let mut world = World::new();
    // More pages than a feed's queue holds, so that the reader meets the dropped feed.
    world.append_events((HistoryFeed::PAGES_AHEAD as u64 + 4) * HistoryFeed::PAGE_EVENTS as u64);
    let head = world.head();
    let mut feeds = HistoryFeed::split(&world.store, Position::START, Position(head), 2).unwrap();
    let mut quitter = feeds.pop().unwrap();
    let mut stayer = feeds.pop().unwrap();
    for _ in 0..10 {
        assert!(matches!(quitter.poll(true).unwrap(), Delivery::Event(_)));
    }
    drop(quitter);
    assert_eq!(drain(&mut stayer), world.events(1));
}

thread_local! {
    /// What `record_offer` was handed on this thread, in order.
    static OFFERED: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Decodes an envelope to its position, but only an even position's.
fn even_positions(event: &RecordedEvent) -> Option<Predecoded> {
    event.position.0.is_multiple_of(2).then(|| Arc::new(event.position.0) as Predecoded)
}

fn record_offer(predecoded: &Predecoded) {
    let position = *predecoded.downcast_ref::<u64>().expect("what even_positions made");
    OFFERED.with(|offered| offered.borrow_mut().push(position));
}

/// Feeds of `head`'s events split in two, whose reading thread decodes even positions.
fn split_decoding_even_positions(world: &World, head: u64) -> Vec<HistoryFeed> {
    let predecoding = Predecoding { decode: even_positions, offer: record_offer };
    HistoryFeed::split_with(&world.store, Position::START, Position(head), 2, Some(predecoding))
        .unwrap()
}

/// The position of the next envelope `feed` delivers, after checking that what this thread was
/// last offered is that envelope's decoding if it has one, else the last even one's; `None` at
/// the end.
fn next_position_checking_the_offer(feed: &mut HistoryFeed) -> Option<u64> {
    let event = match feed.poll(true).expect("the feed reads") {
        Delivery::Event(event) => event,
        Delivery::Idle => panic!("a history feed is never idle"),
        Delivery::Ended => return None,
    };
    let position = event.position.0;
    let last_offered = OFFERED.with(|offered| offered.borrow().last().copied());
    assert_eq!(last_offered.unwrap_or(0), position - position % 2, "at {position}");
    Some(position)
}

#[test]
fn each_feed_is_offered_on_its_own_thread_what_the_reader_decoded_just_before_its_envelope() {
    let mut world = World::new();
    // Pages shared and handed on, as in a rebuild.
    world.append_events(3 * HistoryFeed::PAGE_EVENTS as u64 + 5);
    let head = world.head();
    let mut feeds = split_decoding_even_positions(&world, head);
    let delivered_by_feed: Vec<Vec<u64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = feeds
            .iter_mut()
            .map(|feed| {
                scope.spawn(move || {
                    std::iter::from_fn(|| next_position_checking_the_offer(feed)).collect()
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().unwrap()).collect()
    });
    let every_position: Vec<u64> = (1..=head).collect();
    assert_eq!(delivered_by_feed, vec![every_position.clone(), every_position]);
}

#[test]
fn a_feed_left_alone_part_way_through_a_page_still_offers_each_envelope_its_own_decoding() {
    let mut world = World::new();
    world.append_events(2 * HistoryFeed::PAGE_EVENTS as u64);
    let head = world.head();
    let mut feeds = split_decoding_even_positions(&world, head);
    let (mut kept, dropped) = (feeds.remove(0), feeds.remove(0));
    // Half a page from the shared page, then the other feed goes: `kept` becomes the page's
    // last holder and goes on from where it stood.
    let mut positions: Vec<u64> = (0..HistoryFeed::PAGE_EVENTS / 2)
        .map(|_| next_position_checking_the_offer(&mut kept).expect("an envelope"))
        .collect();
    drop(dropped);
    positions.extend(std::iter::from_fn(|| next_position_checking_the_offer(&mut kept)));
    assert_eq!(positions, (1..=head).collect::<Vec<_>>());
}
