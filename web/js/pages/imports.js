// imports.js - uploading a file to import (POST /api/v1/imports?filename=…,
// a background job), its progress (GET /api/v1/imports/{id}: rows, bytes,
// ETA), the result, and for a rejected file every row error with the CSV
// report (GET /api/v1/imports/{id}/errors).
import { h, clear, uid } from '../dom.js';
import { t, tl, fmtDate, fmtNum } from '../i18n.js';
import { request, get, qs, ApiError } from '../api.js';
import { state, canRead, canWrite } from '../state.js';
import { pageHead, notice, errorBox, toast } from '../ui.js';

const STATUS = {
  running: ['进行中', 'Running', 'info'],
  succeeded: ['已导入', 'Imported', 'ok'],
  rejected: ['未导入（有错误）', 'Rejected (errors)', 'off'],
  failed: ['失败', 'Failed', 'off'],
};
const statusBadge = (s) => {
  const x = STATUS[s] || [s, s, 'muted'];
  return h(`span.state-badge.state-${x[2]}`, t(x[0], x[1]));
};

export async function render(ctx) {
  if (ctx.params.id) return renderJob(ctx);
  const { main, query } = ctx;
  ctx.setTitle(t('数据导入', 'Import data'));
  const fileId = uid(), typeId = uid();
  const file = h('input', { id: fileId, type: 'file', name: 'file', accept: '.xml,.csv,.xlsx,.txt', required: true });
  const writable = state.types.filter((x) => canWrite(x.path) && x.path !== 'import_jobs');
  const typeSel = h('select', { id: typeId, name: 'type' }, h('option', { value: '' }, t('自动识别（专利 XML、Lens CSV、模板）', 'Detect (patent XML, Lens CSV, templates)')), writable.map((x) => h('option', { value: x.path, selected: query.type === x.path || null }, tl(x))));
  const err = h('div.form-banner', { 'aria-live': 'assertive' });
  const btn = h('button.btn.btn-primary', { type: 'submit' }, t('上传并导入', 'Upload and import'));
  const form = h(
    'form.upload-form.card',
    h('h2', t('上传文件', 'Upload a file')),
    h(
      'p.muted',
      t(
        '支持 CNIPA 专利 XML（两种格式）、USPTO XML、Lens.org CSV、中文表头模板（CSV/XLSX，UTF-8 或 GB18030）以及各类记录的 CSV/XLSX。整个文件全部成功才会导入；有任何错误则不做任何修改，并列出每一行的问题。',
        'CNIPA patent XML (both schemas), USPTO XML, Lens.org CSV, Chinese-header templates (CSV/XLSX, UTF-8 or GB18030) and record CSV/XLSX files. A file is imported whole or not at all; on any error nothing changes and every row problem is listed.',
      ),
    ),
    h('div.form-grid', h('div.field', h('label', { for: fileId }, t('文件', 'File'), h('span.req', ' *')), file), h('div.field', h('label', { for: typeId }, t('记录类型', 'Record type')), typeSel)),
    err,
    h('div.form-actions', btn),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(err);
    const f = file.files && file.files[0];
    if (!f) {
      err.append(notice('error', t('请选择要上传的文件', 'Choose a file to upload')));
      file.focus();
      return;
    }
    btn.disabled = true;
    try {
      const res = await request('POST', `/api/v1/imports${qs({ filename: f.name, type: typeSel.value || null })}`, { raw: f, headers: { 'Content-Type': 'application/octet-stream' } });
      toast(t('文件已上传，正在导入', 'Uploaded; importing'));
      ctx.go(`imports/${res.data.id}`);
    } catch (e) {
      btn.disabled = false;
      err.append(errorBox(e));
    }
  });
  const recent = h('section.card', h('h2', t('最近的导入', 'Recent imports')));
  clear(main, pageHead(t('数据导入', 'Import data')), form, recent);
  file.focus();
  if (!canRead('import_jobs')) return;
  try {
    const jobs = await get('/api/v1/import_jobs?sort=-id&limit=10');
    if (!ctx.alive()) return;
    recent.append(jobsTable(jobs.items), h('p', h('a', { href: '#/records/import_jobs?sort=-id' }, t('全部导入任务', 'All import jobs'))));
  } catch (e) {
    if (ctx.alive()) recent.append(errorBox(e));
  }
}

function jobsTable(items) {
  if (!items.length) return h('p.muted', t('还没有导入任务', 'No imports yet'));
  return h(
    'div.table-wrap',
    h(
      'table.data',
      h('thead', h('tr', [t('编号', 'ID'), t('文件', 'File'), t('状态', 'Status'), t('行数', 'Rows'), t('新增', 'Created'), t('更新', 'Updated'), t('错误数', 'Errors'), t('上传时间', 'Uploaded')].map((x) => h('th', { scope: 'col' }, x)))),
      h(
        'tbody',
        items.map((j) =>
          h(
            'tr',
            h('td.num', String(j.id)),
            h('td', h('a', { href: `#/imports/${j.id}` }, j.file || `#${j.id}`)),
            h('td', statusBadge(j.status)),
            h('td.num', j.rows == null ? '' : fmtNum(j.rows, 0)),
            h('td.num', j.created_count == null ? '' : fmtNum(j.created_count, 0)),
            h('td.num', j.updated_count == null ? '' : fmtNum(j.updated_count, 0)),
            h('td.num', j.error_count == null ? '' : fmtNum(j.error_count, 0)),
            h('td', fmtDate(j.created_at)),
          ),
        ),
      ),
    ),
  );
}

/* A field name as its label, from any record type that has it. */
function fieldLabel(name) {
  if (!name) return '';
  for (const ty of state.types) {
    const f = ty.fields.find((x) => x.name === name);
    if (f) return tl(f);
  }
  return name;
}

function fmtSeconds(s) {
  if (s == null || !Number.isFinite(s)) return '—';
  s = Math.max(0, Math.round(s));
  if (s < 60) return t(`${s} 秒`, `${s} s`);
  const m = Math.floor(s / 60), r = s % 60;
  return t(`${m} 分 ${r} 秒`, `${m} min ${r} s`);
}

async function renderJob(ctx) {
  const { main, params } = ctx;
  const id = params.id;
  ctx.setTitle(t(`导入任务 #${id}`, `Import job #${id}`));
  const body = h('div.job');
  clear(main, pageHead(t(`导入任务 #${id}`, `Import job #${id}`), h('a.btn', { href: '#/imports' }, t('继续导入', 'Import another file'))), body);
  let timer = null;
  ctx.onCleanup(() => clearTimeout(timer));
  let delay = 250;
  const poll = async () => {
    let job;
    try {
      job = await get(`/api/v1/imports/${encodeURIComponent(id)}`);
    } catch (e) {
      if (!ctx.alive()) return;
      clear(body, e instanceof ApiError && e.status === 404 ? notice('error', t('导入任务不存在，或您无权查看。', 'No such import job, or you may not see it.')) : errorBox(e));
      return;
    }
    if (!ctx.alive()) return;
    showJob(body, job);
    if (job.status === 'running') {
      timer = setTimeout(poll, delay);
      delay = Math.min(delay * 1.5, 2000);
    }
  };
  await poll();
}

function showJob(body, job) {
  const p = job.progress || {};
  const parts = [
    h(
      'dl.fields.compact',
      h('dt', t('文件', 'File')),
      h('dd', job.file || '—'),
      h('dt', t('状态', 'Status')),
      h('dd.job-status', { dataset: { status: job.status } }, statusBadge(job.status)),
      h('dt', t('文件大小', 'Size')),
      h('dd', job.bytes == null ? '—' : `${fmtNum(job.bytes / 1024, 1)} KB`),
      job.format ? [h('dt', t('识别格式', 'Format')), h('dd', job.format)] : null,
      h('dt', t('上传时间', 'Uploaded')),
      h('dd', fmtDate(job.created_at)),
      job.finished_at ? [h('dt', t('完成时间', 'Finished')), h('dd', fmtDate(job.finished_at))] : null,
    ),
  ];
  if (job.status === 'running') {
    const total = p.bytes_total || job.bytes || 0;
    const done = p.bytes_done || 0;
    const pct = total ? Math.min(100, Math.round((done / total) * 100)) : 0;
    // the whole file read but the job still running: checking and writing
    const writing = total > 0 && done >= total;
    parts.push(
      h(
        'section.card.progress-card',
        h('h2', t('导入进度', 'Progress')),
        writing ? h('progress', { 'aria-label': t('导入进度', 'Import progress') }) : h('progress', { max: 100, value: pct, 'aria-label': t('导入进度', 'Import progress') }),
        h(
          'p',
          writing
            ? t(`文件已全部读取，正在校验并写入数据库 · 已处理 ${fmtNum(p.rows || 0, 0)} 行 · 已用时 ${fmtSeconds(p.elapsed_seconds)}`, `File read; checking and writing to the database · ${fmtNum(p.rows || 0, 0)} rows · ${fmtSeconds(p.elapsed_seconds)} so far`)
            : t(`${pct}% · 已处理 ${fmtNum(p.rows || 0, 0)} 行 · 速度 ${fmtNum(p.rows_per_second || 0, 0)} 行/秒 · 预计剩余 ${fmtSeconds(p.eta_seconds)}`, `${pct}% · ${fmtNum(p.rows || 0, 0)} rows · ${fmtNum(p.rows_per_second || 0, 0)} rows/s · about ${fmtSeconds(p.eta_seconds)} left`),
        ),
      ),
    );
  } else if (job.status === 'succeeded') {
    parts.push(
      notice('ok', h('strong', t('导入成功', 'Imported')), ' ', t(`共 ${fmtNum(job.rows ?? 0, 0)} 行：新增 ${fmtNum(job.created_count ?? 0, 0)}，更新 ${fmtNum(job.updated_count ?? 0, 0)}，未变 ${fmtNum(job.unchanged_count ?? 0, 0)}。`, `${fmtNum(job.rows ?? 0, 0)} rows: ${fmtNum(job.created_count ?? 0, 0)} created, ${fmtNum(job.updated_count ?? 0, 0)} updated, ${fmtNum(job.unchanged_count ?? 0, 0)} unchanged.`)),
      h('p', h('a', { href: '#/records/patents?sort=-id' }, t('查看最新专利记录', 'See the newest patent records'))),
    );
  } else {
    const errs = Array.isArray(job.errors) ? job.errors : [];
    const msg = job.message ? job.message.split(' / ') : [];
    parts.push(
      notice('error', h('strong', job.status === 'rejected' ? t('文件未导入，数据库未作任何修改', 'The file was not imported; nothing was changed') : t('导入失败', 'The import failed')), msg.length ? h('p', t(msg[0], msg[1] || msg[0])) : null),
      errs.length
        ? h(
            'section.card',
            h('div.card-head', h('h2', t(`错误明细（${errs.length} 处）`, `Errors (${errs.length})`)), h('a.btn', { href: `/api/v1/imports/${job.id}/errors`, download: '' }, t('下载错误报告（CSV）', 'Download the error report (CSV)'))),
            h(
              'div.table-wrap',
              h(
                'table.data.errors',
                h('thead', h('tr', [t('行', 'Row'), t('列', 'Column'), t('字段', 'Field'), t('说明', 'Problem')].map((x) => h('th', { scope: 'col' }, x)))),
                h('tbody', errs.slice(0, 500).map((it) => h('tr', h('td.num', it.row ? String(it.row) : ''), h('td.num', it.column ? String(it.column) : ''), h('td', fieldLabel(it.field)), h('td', t(it.message_zh || it.message_en || '', it.message_en || it.message_zh || ''))))),
              ),
            ),
            errs.length > 500 ? h('p.muted', t('仅显示前 500 处，完整列表请下载错误报告。', 'Only the first 500 are shown; download the report for all.')) : null,
          )
        : null,
    );
  }
  clear(body, parts);
}
