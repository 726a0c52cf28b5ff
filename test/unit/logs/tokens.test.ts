import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { tokenText } from '../../../src/logs/tokens.js'
import { unicode61Tokens } from '../../../src/storage/es-mapping.js'
import { rng } from '../../integration/logs/lines.js'

describe('tokenText', () => {
  it('equals unicode61Tokens(...).join(" ") on ASCII and non-ASCII text', () => {
    const fixed = [
      '',
      '   ',
      'Checkpoint 42 declined: token=abc-1 (seq=7)',
      '\tat org.apache.flink.streaming.runtime.tasks.Frame12.invoke(Frame12.java:112)\n\tat x.Y',
      'ÉCOLE élève Straße ﬁle ①② ＡＢＣ café',
      'İstanbul ΣΊΣΥΦΟΣ ǅ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
      '__init__ $x_1 a.b-c/d\\e',
    ]
    const r = rng(3)
    const alphabet = 'aZ09 _-.:=()[]{}\t\n"\\/é'
    for (let i = 0; i < 2000; i++) fixed.push(Array.from({ length: Math.floor(r() * 40) }, () => alphabet[Math.floor(r() * (i % 2 ? alphabet.length - 1 : alphabet.length))]).join(''))
    for (const s of fixed) assert.equal(tokenText(s), unicode61Tokens(s).join(' '), JSON.stringify(s))
  })
})
