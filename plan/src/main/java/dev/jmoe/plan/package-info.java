/** plan module; see DESIGN.md. */
package dev.jmoe.plan;
