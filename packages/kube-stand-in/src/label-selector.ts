/** Equality label selectors (`k1=v1,k2==v2,k3!=v3`), the kind the stand-in takes. Pure. */

export interface Requirement {
  key: string;
  value: string;
  equal: boolean;
}

/** The requirements of a selector, or an error message for one it cannot read (set-based ones among them). */
export function parseLabelSelector(selector: string): Requirement[] | string {
  const requirements: Requirement[] = [];
  for (const part of selector.split(',')) {
    const term = part.trim();
    if (term === '') continue;
    const match = /^([^=!\s]+)\s*(==|=|!=)\s*([^=!\s]*)$/.exec(term);
    if (!match)
      return `unable to parse requirement: "${term}": the stand-in takes only key=value and key!=value`;
    requirements.push({ key: match[1]!, value: match[3]!, equal: match[2] !== '!=' });
  }
  return requirements;
}

export function matchesLabels(requirements: Requirement[], labels: Record<string, string>): boolean {
  return requirements.every(({ key, value, equal }) => (labels[key] === value) === equal);
}
