/**
 * `POST /v1/imports/gulp`: a GULP input file (text) translated into a job document, with the lines
 * that could not be translated listed (never dropped silently). The twin of
 * `latticefit import-gulp`. The body is the file's text (`text/plain`).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { JobDocumentSchema } from '../../document/schema.js';
import type { AppContext } from '../context.js';

const ImportResultSchema = Type.Object({
  document: JobDocumentSchema,
  untranslated: Type.Array(Type.Object({ line: Type.Integer(), text: Type.String(), reason: Type.String() })),
});

export const importRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post(
    '/gulp',
    {
      schema: {
        tags: ['imports'],
        summary: 'Translate a GULP input file into a job document',
        description: 'The body is the text of a GULP input (.gin). Lines that could not be translated are listed in `untranslated` with the reason.',
        consumes: ['text/plain'],
        body: Type.String({ description: 'GULP input file', minLength: 1 }),
        response: { 200: ImportResultSchema },
      },
    },
    async (req) => {
      const { document, untranslated } = await ctx.importGulp(req.body);
      return { document, untranslated: untranslated.map((u) => ({ line: u.line, text: u.text, reason: u.reason })) };
    },
  );
};
