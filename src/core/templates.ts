/** The Exist duration templates Timebridge offers on the mapping page, and Exist's value type for durations. */

export interface AttributeChoice {
  name: string
  label: string
  group: 'productivity' | 'media' | string
  template: boolean
}

export const TEMPLATES: readonly AttributeChoice[] = [
  { name: 'productive_min', label: 'Productive time', group: 'productivity', template: true },
  { name: 'neutral_min', label: 'Neutral time', group: 'productivity', template: true },
  { name: 'distracting_min', label: 'Distracting time', group: 'productivity', template: true },
  { name: 'tv_min', label: 'Watching TV', group: 'media', template: true },
  { name: 'gaming_min', label: 'Time gaming', group: 'media', template: true },
  { name: 'movies_min', label: 'Watching movies', group: 'media', template: true },
]

export const isTemplate = (name: string) => TEMPLATES.some((t) => t.name === name)

/** Exist's value_type for durations (integer minutes). */
export const DURATION = 3

/** Templates in their usual order (Productive time first), then the user's own attributes by name: the one order every page uses. */
export function sortAttributes<T>(list: readonly T[], key: (x: T) => string = String): T[] {
  const rank = (a: string) => {
    const i = TEMPLATES.findIndex((t) => t.name === a)
    return i < 0 ? TEMPLATES.length : i
  }
  return [...list].sort((a, b) => rank(key(a)) - rank(key(b)) || key(a).localeCompare(key(b)))
}
