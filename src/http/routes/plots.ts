/**
 * `GET /v1/fits/{id}/plots/{name}.svg` (and the same under /v1/properties): a figure of a
 * succeeded job as SVG, rendered on the server (`workflows/figures`: Vega-Lite + Vega, no
 * browser). Names: convergence, parity, residuals, polymorphs. The Markdown report links these
 * relative to its own URL (`plots/<name>.svg`); the web page shows them. A job's result never
 * changes, so each rendered figure is kept (a few dozen at most).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { FitResult, PropertiesResult } from '../../workflows/results.js';
import type { TaskKind } from '../../jobs/types.js';
import { FIGURE_NAMES, renderFigure, type FigureName } from '../../workflows/figures.js';
import type { AppContext } from '../context.js';
import { HttpError } from '../errors.js';
import { problemResponse } from '../schemas.js';

export interface PlotRoutesOptions {
  kind: TaskKind;
  ctx: AppContext;
}

const PlotParamsSchema = Type.Object({
  id: Type.String({ description: 'job id' }),
  name: Type.String({ pattern: `^(${FIGURE_NAMES.join('|')})\\.svg$`, description: `figure: ${FIGURE_NAMES.map((n) => `${n}.svg`).join(', ')}` }),
});

const CACHE = 64;

export const plotRoutes: FastifyPluginAsyncTypebox<PlotRoutesOptions> = async (app, { kind, ctx }) => {
  const cache = new Map<string, string | null>();
  app.get(
    '/:id/plots/:name',
    {
      schema: {
        tags: [kind === 'fit' ? 'fits' : 'properties'],
        summary: 'A figure of a succeeded job, as SVG',
        description:
          '`convergence.svg`: objective against iteration (log scale), rejected steps marked, multi-start objectives as a strip (fits only). `parity.svg`: calculated against target for every observable, by class, fitted ones filled. `residuals.svg`: contribution of each fitted observable to the objective (fits only). `polymorphs.svg`: E–V curves per compound with the common tangent of each transition and P_T, relative energies fit vs DFT. 404 when the result has no data for the figure.',
        params: PlotParamsSchema,
        response: {
          200: { description: 'the figure', content: { 'image/svg+xml': { schema: { type: 'string' } } } },
          400: problemResponse('unknown figure name (INVALID_QUERY)'),
          404: problemResponse('no such job, or no data for this figure'),
          409: problemResponse('the job has not succeeded (JOB_NOT_FINISHED)'),
        },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const name = req.params.name.replace(/\.svg$/, '') as FigureName;
      const job = await ctx.store.get(id);
      if (!job || job.kind !== kind || job.owner !== req.owner) throw new HttpError('NOT_FOUND', `no ${kind === 'fit' ? 'fit' : 'property job'} with id "${id}"`);
      if (job.status !== 'succeeded') throw new HttpError('JOB_NOT_FINISHED', `the job is ${job.status}; figures exist once it has succeeded`, { extra: { jobStatus: job.status } });
      const key = `${id}/${name}`;
      let svg = cache.get(key);
      if (svg === undefined) {
        const result = (await ctx.store.getResult(id)) as FitResult | PropertiesResult;
        svg = (await renderFigure(result, name))?.svg ?? null;
        cache.set(key, svg);
        if (cache.size > CACHE) cache.delete(cache.keys().next().value!);
      }
      if (svg === null) throw new HttpError('NOT_FOUND', `this result has no data for the ${name} figure`);
      return reply.type('image/svg+xml; charset=utf-8').header('content-disposition', `inline; filename="${job.id}-${name}.svg"`).header('cache-control', 'private, max-age=3600').send(svg);
    },
  );
};
