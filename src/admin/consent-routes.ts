import type { Router } from 'express';
import type { ConsentBroker } from '../consent/consent-broker.ts';

/**
 * `/api/consents`: the headless presenters (the `/ui/` page and `airlock pending/approve/deny`)
 * list open consent requests and answer them. The first answer wins, wherever it comes from.
 */
export function addConsentRoutes(router: Router, broker: ConsentBroker): void {
  router.get('/consents', (_req, res) => {
    res.json(broker.pending());
  });

  router.get('/consents/:id', (req, res) => {
    const request = broker.get(req.params.id);
    if (!request) {
      res.status(404).json({ error: 'not_found', error_description: 'no open consent request with that id' });
      return;
    }
    res.json(request);
  });

  router.post('/consents/:id', async (req, res) => {
    const by = typeof req.body?.by === 'string' && /^[a-z0-9-]{1,32}$/.test(req.body.by) ? req.body.by : 'api';
    const decision: unknown = req.body?.decision ?? req.body;
    let outcome;
    try {
      outcome = await broker.answerAndWait(req.params.id, stripBy(decision), by);
    } catch (error) {
      if (error instanceof TypeError) {
        res.status(400).json({ error: 'invalid_request', error_description: error.message });
        return;
      }
      throw error;
    }
    if (!outcome) {
      res
        .status(404)
        .json({ error: 'not_found', error_description: 'no open consent request with that id (answered or expired)' });
      return;
    }
    res.json(outcome);
  });
}

function stripBy(decision: unknown): unknown {
  if (!decision || typeof decision !== 'object' || Array.isArray(decision)) return decision;
  const { by: _by, ...rest } = decision as Record<string, unknown>;
  return rest;
}
