import { Injectable } from '@nestjs/common';

/** Start-up progress of this node that health checks report. */
@Injectable()
export class NodeState {
  /** True once this node's NATS handlers are subscribed (set by startNode after the microservice started). */
  natsHandlersSubscribed = false;
}
