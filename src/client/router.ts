/**
 * `messages$` routing: which observers get which message, and when to SUBSCRIBE.
 *
 * One `Route` per topic filter, ref-counted: the first observer of a filter sends
 * SUBSCRIBE, the last to leave sends UNSUBSCRIBE. Options of later observers of the same
 * filter cannot be sent without replacing the broker's subscription, so the QoS is
 * raised to the highest any observer asked for (a new SUBSCRIBE replaces the old one
 * [MQTT-3.8.4-3]) and the other options are the first observer's.
 *
 * Each delivered message goes to the observers of `messages$()` (everything) and, via
 * the topic trie, to every route whose filter matches — in time that depends on the
 * topic's depth, not on the number of filters.
 *
 * Exact delivery in MQTT 5: a broker may send one copy of a message per matching
 * subscription (mosquitto does), so trie routing alone would give an observer of
 * `o/+` a second copy meant for `o/#`. Each route therefore carries its own
 * Subscription Identifier, and a message that names identifiers goes to exactly those
 * routes [MQTT-3.3.4-3]. Without identifiers (3.x, or a broker that has none) the trie
 * routes it.
 *
 * Restoring: when a connection comes up without the broker's copy of the session
 * (`sessionPresent` false) every route subscribes again; with it, only the routes
 * whose SUBSCRIBE never got its SUBACK. A SUBSCRIBE that was sent fails when the
 * connection drops (the route is asked again); one still queued in the session (beyond
 * the window of 64) survives the drop and goes out on the next connection by itself.
 */

import type { Subscriber } from 'rxjs';
import type { Properties, Subscription as MqttSubscription } from '../codec';
import { MqttError } from '../errors';
import type { SettleResult, SubAck } from '../session';
import { TopicTrie } from '../topic';
import type { MqttMessage } from './message';

export interface RouteOptions {
  qos: 0 | 1 | 2;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: 0 | 1 | 2;
  properties?: Properties;
}

interface Route {
  filter: string;
  options: RouteOptions;
  observers: Set<Subscriber<MqttMessage>>;
  /** `idle`: not asked (offline); `asking`: SUBSCRIBE sent; `active`: SUBACK granted. */
  status: 'idle' | 'asking' | 'active';
  /** MQTT 5 Subscription Identifier of this route, when the broker supports them. */
  id: number;
  /** A SUBSCRIBE for it went out on some connection: a persistent session may hold it. */
  sent: boolean;
}

export interface RouterPorts {
  isConnected(): boolean;
  /** True when SUBSCRIBE may carry a Subscription Identifier (MQTT 5 and the broker allows it). */
  subscriptionIdsAvailable(): boolean;
  subscribe(subscriptions: MqttSubscription[], properties: Properties | undefined, onResult: (r: SettleResult) => void): void;
  unsubscribe(filters: string[]): void;
}

export class Router {
  private readonly routes = new Map<string, Route>();
  private readonly trie = new TopicTrie<Route>();
  private readonly everything = new Set<Subscriber<MqttMessage>>();
  private readonly byId = new Map<number, Route>();
  /** Filters whose last observer left while offline: UNSUBSCRIBE them if the session resumes. */
  private readonly leftOffline = new Set<string>();
  private lastId = 0;
  /** The routes matching the last topic delivered (cleared whenever a route comes or goes). */
  private matched: { topic: string; routes: Route[] } | undefined;

  constructor(private readonly ports: RouterPorts) {}

  /** Observers of `messages$()`: every message, no SUBSCRIBE of their own. */
  addEverything(subscriber: Subscriber<MqttMessage>): () => void {
    this.everything.add(subscriber);
    return () => this.everything.delete(subscriber);
  }

  add(filter: string, options: RouteOptions, subscriber: Subscriber<MqttMessage>): () => void {
    let route = this.routes.get(filter);
    if (!route) {
      route = { filter, options, observers: new Set(), status: 'idle', id: this.nextId(), sent: false };
      this.leftOffline.delete(filter); // its SUBSCRIBE replaces the old subscription
      this.routes.set(filter, route);
      this.byId.set(route.id, route);
      this.trie.add(filter, route);
      this.matched = undefined;
      route.observers.add(subscriber);
      this.ask(route);
    } else {
      route.observers.add(subscriber);
      if (options.qos > route.options.qos) {
        route.options = { ...route.options, qos: options.qos };
        if (route.status !== 'idle') this.ask(route);
      }
    }
    const current = route;
    return () => this.remove(current, subscriber);
  }

  deliver(message: MqttMessage): void {
    for (const s of this.everything) s.next(message);
    const ids = message.properties?.subscriptionIdentifiers;
    if (ids !== undefined && ids.length > 0) {
      for (const id of ids) {
        const route = this.byId.get(id);
        if (route) for (const s of route.observers) s.next(message);
      }
      return;
    }
    const routes = this.matching(message.topic);
    for (let i = 0; i < routes.length; i++) for (const s of routes[i]!.observers) s.next(message);
  }

  /**
   * The routes whose filter matches `topic`. A subscriber mostly receives the same few
   * topics over and over, so the last answer is kept until a route comes or goes (an
   * observer leaving a route that stays changes only its `observers`, read live).
   */
  private matching(topic: string): readonly Route[] {
    const last = this.matched;
    if (last !== undefined && last.topic === topic) return last.routes;
    const routes: Route[] = [];
    this.trie.forEachMatch(topic, (route) => routes.push(route));
    this.matched = { topic, routes };
    return routes;
  }

  /** A connection came up: (re)subscribe what the broker does not have. */
  connected(sessionPresent: boolean): void {
    // The resumed session still holds what was left while offline [MQTT-3.1.2-4 / MQTT-3.1.2-5].
    if (sessionPresent && this.leftOffline.size > 0) this.ports.unsubscribe([...this.leftOffline]);
    this.leftOffline.clear();
    for (const route of this.routes.values()) {
      // 'asking' here means its SUBSCRIBE is still queued in the session (one sent on the
      // old connection failed with it, which made the route 'idle'): it goes out now.
      if (route.status === 'idle' || (route.status === 'active' && !sessionPresent)) this.ask(route);
    }
  }

  private ask(route: Route): void {
    if (!this.ports.isConnected()) {
      route.status = 'idle';
      return;
    }
    route.status = 'asking';
    route.sent = true;
    const { qos, noLocal, retainAsPublished, retainHandling, properties } = route.options;
    const withId = this.ports.subscriptionIdsAvailable() ? { ...properties, subscriptionIdentifiers: [route.id] } : properties;
    this.ports.subscribe(
      [{ topicFilter: route.filter, qos, noLocal, retainAsPublished, retainHandling }],
      withId,
      (result) => this.answered(route, result),
    );
  }

  private answered(route: Route, result: SettleResult): void {
    if (this.routes.get(route.filter) !== route) return; // left meanwhile
    if (!result.ok) {
      // The connection dropped before SUBACK: ask again on the next one.
      route.status = 'idle';
      return;
    }
    const code = (result.value as SubAck).reasonCodes[0] ?? 0x80;
    if (code < 0x80) {
      route.status = 'active';
      return;
    }
    const error = new MqttError('subscribe-failed', `The broker refused the subscription to '${route.filter}' (reason code 0x${code.toString(16)})`, {
      reasonCode: code,
    });
    this.drop(route);
    for (const s of [...route.observers]) s.error(error);
  }

  private remove(route: Route, subscriber: Subscriber<MqttMessage>): void {
    if (!route.observers.delete(subscriber) || route.observers.size > 0) return;
    if (this.routes.get(route.filter) !== route) return;
    this.drop(route);
    if (this.ports.isConnected()) {
      if (route.status !== 'idle') this.ports.unsubscribe([route.filter]);
    } else if (route.sent) {
      this.leftOffline.add(route.filter);
    }
  }

  private nextId(): number {
    // 1..268,435,455 [MQTT-3.8.2.1.2]; wrapping skips ids still in use.
    do this.lastId = this.lastId >= 268_435_455 ? 1 : this.lastId + 1;
    while (this.byId.has(this.lastId));
    return this.lastId;
  }

  private drop(route: Route): void {
    this.routes.delete(route.filter);
    this.byId.delete(route.id);
    this.trie.delete(route.filter, route);
    this.matched = undefined;
  }
}
