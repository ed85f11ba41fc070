/**
 * The engine's one timer: a scheduler action armed for the earliest deadline the session
 * asks for (`nextDeadline`). A later deadline does not re-arm it — the early tick is
 * harmless, the session answers it with nothing and the engine arms again — so a busy
 * connection does not reschedule a timer per packet. No deadline cancels the action, so
 * nothing keeps a process alive after the connection is gone. Time is the scheduler's,
 * so under `TestScheduler` every deadline fires at its exact virtual time.
 */
import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';

export class DeadlineTimer {
  private action: Subscription | undefined;
  private at = Infinity;

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly fire: () => void,
  ) {}

  /** Arms for `deadline` (scheduler time, ms) unless an earlier one is armed; undefined cancels. */
  set(deadline: number | undefined): void {
    if (deadline === undefined) {
      this.action?.unsubscribe();
      this.action = undefined;
      this.at = Infinity;
      return;
    }
    if (this.action && deadline >= this.at) return;
    this.action?.unsubscribe();
    this.at = deadline;
    const delay = Math.max(0, deadline - this.scheduler.now());
    this.action = this.scheduler.schedule(function (this: SchedulerAction<DeadlineTimer>, timer?: DeadlineTimer) {
      timer!.action = undefined;
      timer!.at = Infinity;
      timer!.fire();
    }, delay, this);
  }
}
